"""The differential set: real Debian arm64 programs under blindfold and under qemu-user.

    python benchmarks/debian_diff.py                 # fetch, then run every case, native and confidential
    python benchmarks/debian_diff.py --fetch-only    # just download, check and unpack the packages
    python benchmarks/debian_diff.py --case jq --modes native --json out.json

The packages pinned in debian_manifest.toml are downloaded with
`apt-get download PKG:arm64=VERSION`, checked against their sha256 and unpacked
(`dpkg -x`) into one root.  Each case then runs twice with the same argv[0],
working directory (/work), environment, stdin and files: under
qemu-aarch64-static chrooted into that root (so no host binary or file leaks
in) and under `blindfold run --rootfs ROOT` (with `-L ROOT` for dynamically
linked programs).  stdout, stderr and the exit status must be identical.  The
report gives each case's result per mode and its blindfold/qemu wall-time
ratio (both measured here, side by side).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import shutil
import stat
import statistics
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MANIFEST = Path(__file__).resolve().parent / "debian_manifest.toml"
CACHE = REPO / ".cache" / "debian"
QEMU = "qemu-aarch64-static"
ENV = {"PATH": "/bin:/usr/bin", "HOME": "/work", "TERM": "dumb", "LANG": "C"}
CLEAN_KEYS = ("PATH", "HOME", "TERM", "LANG")   # what blindfold's --clean-env sets
PT_INTERP = 3


class Unavailable(Exception):
    """The packages cannot be had here (no network, no apt, not root)."""


@dataclass(frozen=True)
class Case:
    name: str
    program: str
    args: tuple[str, ...]
    stdin: bytes = b""
    argv0: str = ""
    env: dict[str, str] = field(default_factory=dict)
    admit: tuple[str, ...] = ()        # files a confidential run may mmap (dlopen'd objects)
    reset: tuple[str, ...] = ()        # paths in /work removed before every run
    setup: tuple[tuple[str, ...], ...] = ()   # argvs run under qemu-user before every run


@dataclass
class Outcome:
    rc: int
    stdout: bytes
    stderr: bytes
    seconds: float


# --- fetching ----------------------------------------------------------------------------
def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    with open(path, "rb") as f:
        return tomllib.load(f)


def _deb_name(name: str, version: str) -> str:
    return f"{name}_{version.replace(':', '%3a')}_arm64.deb"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _apt_ready() -> None:
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        raise Unavailable("apt-get/dpkg not found (a Debian host is needed to fetch packages)")
    arches = subprocess.run(["dpkg", "--print-foreign-architectures"], capture_output=True,
                            text=True, check=False).stdout.split()
    if "arm64" not in arches:
        if os.geteuid() != 0:
            raise Unavailable("arm64 is not a dpkg architecture here and we are not root")
        subprocess.run(["dpkg", "--add-architecture", "arm64"], check=True)
        _apt_update()


def _apt_update() -> None:
    if os.geteuid() != 0:
        raise Unavailable("apt-get update needs root")
    r = subprocess.run(["apt-get", "update", "-qq"], capture_output=True, text=True, check=False)
    if r.returncode:
        raise Unavailable(f"apt-get update failed: {r.stderr.strip()[:200]}")


def fetch(manifest: dict[str, Any], cache: Path = CACHE, log: Any = print) -> Path:
    """Download (if needed), check and unpack every package; returns the unpacked root."""
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    packages = manifest["package"]
    missing = [p for p in packages if not (debs / _deb_name(p["name"], p["version"])).is_file()]
    if missing:
        _apt_ready()
        if os.geteuid() == 0:
            shutil.chown(debs, "_apt") if _has_user("_apt") else None
        specs = [f"{p['name']}:arm64={p['version']}" for p in missing]
        r = subprocess.run(["apt-get", "download", "-qq", *specs], cwd=debs, capture_output=True,
                           text=True, check=False)
        if r.returncode:
            _apt_update()
            r = subprocess.run(["apt-get", "download", "-qq", *specs], cwd=debs,
                               capture_output=True, text=True, check=False)
        if r.returncode:
            raise Unavailable(f"apt-get download failed: {r.stderr.strip()[:300]}")
        log(f"fetched {len(missing)} package(s)")
    digest = hashlib.sha256()
    for p in packages:
        path = debs / _deb_name(p["name"], p["version"])
        got = _sha256(path)
        if got != p["sha256"]:
            raise SystemExit(f"debian_diff: {path.name}: sha256 {got} is not the pinned "
                             f"{p['sha256']}; delete it and fetch again, or update the manifest")
        digest.update(got.encode())
    root = cache / f"root-{digest.hexdigest()[:12]}"
    if not (root / ".complete").is_file():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        for p in packages:
            subprocess.run(["dpkg-deb", "-x", str(debs / _deb_name(p["name"], p["version"])),
                            str(root)], check=True)
        (root / ".complete").write_text("unpacked\n")
    _prepare_work(root, manifest)
    return root


def _has_user(name: str) -> bool:
    import pwd
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _prepare_work(root: Path, manifest: dict[str, Any]) -> None:
    """The input files in /work (fixed and seeded-generated) and qemu inside the root."""
    work = root / "work"
    work.mkdir(exist_ok=True)
    for name, text in manifest.get("files", {}).items():
        (work / name).write_text(text)
    rnd = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
             "kappa", "lambda", "mu"]
    data = "".join(" ".join(rnd.choice(words) for _ in range(rnd.randint(3, 9))) + "\n"
                   for _ in range(400))
    (work / "data.txt").write_text(data)
    (work / "numbers.txt").write_text("".join(f"{rnd.randint(-10000, 10000)}\n"
                                              for _ in range(500)))
    (work / "data.gz").write_bytes(gzip.compress(data.encode(), compresslevel=6, mtime=0))
    (work / "a.up").write_text("ONE\n")
    (work / "b.up").write_text("ONE\n")
    _fix_mtimes(work, ["Makefile", "a.txt", "a.up", "b.txt", "b.up", "cases.sql",
                       "data.csv", "data.gz", "data.json", "data.txt", "macros.m4",
                       "numbers.txt", "script.lua", "script.sh", "wal.sql", "ab.patch",
                       "errs.pl", "script.pl", "script.py", "xattr.py", "sched.py",
                       "ino.pl"])
    (work / "data.tar").write_bytes(_tar_archive(work))
    (work / "data.cpio").write_bytes(_cpio_archive())
    (work / "x").mkdir(exist_ok=True)          # tar-extract's target
    _fix_mtimes(work, ["data.cpio", "data.tar"], FIXED_MTIME + 90_000)
    _dev_nodes(root)
    qemu = shutil.which(QEMU)
    if qemu is not None and not (root / ".qemu").is_file():
        shutil.copyfile(qemu, root / ".qemu")
        (root / ".qemu").chmod(0o755)


def _dev_nodes(root: Path) -> None:
    """/dev/null and /dev/urandom in the root, for the chroot of qemu-user (blindfold gives
    the guest its own /dev): git opens /dev/null at start-up (sanitize_stdfds()) and
    stops without it, and reads /dev/urandom for its temporary files' names."""
    for name, minor in (("null", 3), ("urandom", 9)):
        node = root / "dev" / name
        if node.exists():
            continue
        node.parent.mkdir(exist_ok=True)
        try:
            os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
            os.chmod(node, 0o666)
        except OSError as exc:
            print(f"debian_diff: cannot make {node} ({exc}): the git cases will fail",
                  file=sys.stderr)


FIXED_MTIME = 1_700_000_000   # 2023-11-14 22:13:20 UTC: every input file's mtime is fixed


def _fix_mtimes(work: Path, names: list[str], base: int = FIXED_MTIME) -> None:
    """Give the named files fixed, distinct mtimes (with nanoseconds), in the listed order,
    so that listings, find -newer and make's decisions do not depend on when the set
    runs; a.up is made older than a.txt (make rebuilds it), b.up stays newer than b.txt."""
    for i, name in enumerate(names):
        path = work / name
        if path.exists():
            ns = (base + 1000 * i) * 10**9 + 123_456_789
            if name == "a.up":
                ns = (base - 5000) * 10**9
            os.utime(path, ns=(ns, ns))


def _tar_archive(work: Path) -> bytes:
    """A GNU tar archive: a.txt and b.txt as they are in /work (tar -d compares them),
    then a directory, a symbolic link, a hard link and a FIFO with fixed owners."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name in ("a.txt", "b.txt"):
            info = tar.gettarinfo(str(work / name), arcname=name)
            info.uname = info.gname = ""
            with open(work / name, "rb") as f:
                tar.addfile(info, f)
        for name, kind, extra in (("d", tarfile.DIRTYPE, ""), ("d/link", tarfile.SYMTYPE,
                                  "../a.txt"), ("d/hard", tarfile.LNKTYPE, "a.txt"),
                                  ("d/fifo", tarfile.FIFOTYPE, "")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, extra
            info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o640
            info.uid, info.gid, info.uname, info.gname = 1000, 100, "user", "users"
            info.mtime = FIXED_MTIME + 86_400
            tar.addfile(info)
    return buf.getvalue()


def _cpio_archive() -> bytes:
    """A newc ("070701") cpio archive: a directory, a file, a symbolic link and a
    character device, with fixed inodes, owners and mtimes."""
    out = bytearray()

    def entry(name: str, mode: int, data: bytes = b"", uid: int = 1000, gid: int = 100,
              nlink: int = 1, rdev: tuple[int, int] = (0, 0), ino: int = 0) -> None:
        fields = (ino, mode, uid, gid, nlink, FIXED_MTIME + 7200, len(data), 8, 1,
                  rdev[0], rdev[1], len(name) + 1, 0)
        out.extend(b"070701" + b"".join(b"%08X" % v for v in fields) + name.encode() + b"\0")
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    entry("d", 0o040755, nlink=2, ino=11)
    entry("d/a.txt", 0o100640, b"one\ntwo\n", ino=12)
    entry("d/link", 0o120777, b"a.txt", ino=13)
    entry("d/null", 0o020644, rdev=(1, 3), uid=0, gid=0, ino=14)
    entry("TRAILER!!!", 0, uid=0, gid=0, nlink=1)
    return bytes(out)


def load_cases(manifest: dict[str, Any], root: Path) -> list[Case]:
    out: list[Case] = []
    for c in manifest["case"]:
        stdin = c.get("stdin", "").encode()
        if "stdin_file" in c:
            stdin = (root / "work" / c["stdin_file"]).read_bytes()
        out.append(Case(c["name"], c["program"], tuple(c.get("args", ())), stdin,
                        c.get("argv0", c["program"]), dict(c.get("env", {})),
                        tuple(c.get("admit", ())), tuple(c.get("reset", ())),
                        tuple(tuple(a) for a in c.get("setup", ()))))
    return out


def is_dynamic(root: Path, program: str) -> bool:
    """Whether the program (symlinks followed inside the root) names an ELF interpreter."""
    sys.path.insert(0, str(REPO))
    from kernel_model.vfs_resolve import PathResolver

    host = PathResolver(root).resolve("/", program).host
    data = host.read_bytes()
    phoff = int.from_bytes(data[32:40], "little")
    phentsize = int.from_bytes(data[54:56], "little")
    phnum = int.from_bytes(data[56:58], "little")
    return any(int.from_bytes(data[phoff + i * phentsize: phoff + i * phentsize + 4], "little")
               == PT_INTERP for i in range(phnum))


# --- running -----------------------------------------------------------------------------
def _env(case: Case) -> dict[str, str]:
    return {**ENV, **case.env}


def qemu_command(root: Path, case: Case) -> tuple[list[str], dict[str, str], Any]:
    """The command line, environment and chroot step (a preexec_fn) for qemu-user."""
    def enter() -> None:
        os.chroot(root)
        os.chdir("/work")

    return ["/.qemu", "-0", case.argv0, case.program, *case.args], _env(case), enter


def prepare_case(root: Path, case: Case, timeout: float) -> None:
    """Give every run of the case the same starting state: remove its `reset` paths from
    /work, then run its `setup` commands (each a program and its arguments) under
    qemu-user, the reference, so that no run sees what an earlier one left."""
    work = root / "work"
    for name in case.reset:
        path = (work / name).resolve()
        if work.resolve() not in path.parents:
            raise SystemExit(f"debian_diff: {case.name}: reset path {name!r} is outside /work")
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    for argv in case.setup:
        step = Case(case.name, argv[0], tuple(argv[1:]), argv0=argv[0], env=case.env)
        cmd, env, enter = qemu_command(root, step)
        r = subprocess.run(cmd, capture_output=True, env=env, preexec_fn=enter,
                           timeout=timeout, check=False)
        if r.returncode:
            raise SystemExit(f"debian_diff: {case.name}: setup {' '.join(argv)} exited "
                             f"{r.returncode}: {r.stderr.decode(errors='replace')[:300]}")


def run_qemu(root: Path, case: Case, timeout: float) -> Outcome:
    prepare_case(root, case, timeout)
    cmd, env, enter = qemu_command(root, case)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, input=case.stdin, capture_output=True, env=env, preexec_fn=enter,
                       timeout=timeout, check=False)
    return Outcome(r.returncode, r.stdout, r.stderr, time.perf_counter() - t0)


def blindfold_command(root: Path, case: Case, mode: str, dynamic: bool
                      ) -> tuple[list[str], dict[str, str]]:
    """The command line and host environment that run one case under blindfold."""
    cmd = [sys.executable, "-m", "cli.main", "run", "--rootfs", str(root), "--clean-env",
           "--epoch", "fixed", "-0", case.argv0]
    for key, value in _env(case).items():
        cmd += ["-E", f"{key}={value}"]
    if dynamic:
        cmd += ["-L", str(root)]
    if mode == "confidential":
        cmd += ["--guardian", "on", "--confidential"]
        for path in case.admit:
            cmd += ["--admit", path]
    cmd += [str(root) + case.program, *case.args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("BLINDFOLD_LD_PREFIX", None)
    return cmd, env


def run_blindfold(root: Path, case: Case, mode: str, dynamic: bool, timeout: float) -> Outcome:
    prepare_case(root, case, timeout)
    cmd, env = blindfold_command(root, case, mode, dynamic)
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, input=case.stdin, capture_output=True, cwd=root / "work",
                           env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Outcome(-1, b"", b"timeout", time.perf_counter() - t0)
    return Outcome(r.returncode, r.stdout, r.stderr, time.perf_counter() - t0)


def differences(ref: Outcome, got: Outcome) -> list[str]:
    out = []
    if ref.rc != got.rc:
        out.append(f"exit {got.rc} (qemu {ref.rc})")
    for name in ("stdout", "stderr"):
        a, b = getattr(ref, name), getattr(got, name)
        if a != b:
            out.append(f"{name} differs: {b[:160]!r} (qemu {a[:160]!r})")
    return out


def run_all(root: Path, cases: list[Case], modes: list[str], timeout: float = 300.0,
            log: Any = print) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for case in cases:
        dynamic = is_dynamic(root, case.program)
        ref = run_qemu(root, case, timeout)
        row: dict[str, Any] = {"case": case.name, "program": case.program, "dynamic": dynamic,
                               "qemu_s": round(ref.seconds, 3), "qemu_exit": ref.rc}
        for mode in modes:
            got = run_blindfold(root, case, mode, dynamic, timeout)
            diffs = differences(ref, got)
            row[mode] = {"ok": not diffs, "differences": diffs, "seconds": round(got.seconds, 3),
                         "ratio": round(got.seconds / max(ref.seconds, 1e-3), 1)}
        results.append(row)
        log(_line(row, modes))
    return results


def _line(row: dict[str, Any], modes: list[str]) -> str:
    parts = [f"{row['case']:<20}", "dyn" if row["dynamic"] else "sta"]
    for mode in modes:
        r = row[mode]
        parts.append(f"{mode[:4]} {'PASS' if r['ok'] else 'FAIL'} {r['ratio']:>6.1f}x")
    text = "  ".join(parts)
    for mode in modes:
        for d in row[mode]["differences"]:
            text += f"\n    {mode}: {d}"
    return text


def summary(results: list[dict[str, Any]], modes: list[str]) -> dict[str, str]:
    return {m: f"{sum(r[m]['ok'] for r in results)}/{len(results)}" for m in modes}


def ratio_summary(results: list[dict[str, Any]], modes: list[str]) -> dict[str, dict[str, float]]:
    """Per mode: the median, lowest and highest blindfold/qemu wall-time ratio over the cases."""
    out: dict[str, dict[str, float]] = {}
    for m in modes:
        ratios = [r[m]["ratio"] for r in results]
        if ratios:
            out[m] = {"median": round(statistics.median(ratios), 1), "min": min(ratios),
                      "max": max(ratios)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--manifest", type=Path, default=MANIFEST)
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--modes", default="native,confidential")
    ap.add_argument("--case", action="append", default=[], help="run only cases whose name "
                    "contains this (repeatable)")
    ap.add_argument("--fetch-only", action="store_true")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--timeout", type=float, default=300.0)
    args = ap.parse_args(argv)
    manifest = load_manifest(args.manifest)
    try:
        root = fetch(manifest, args.cache)
    except Unavailable as exc:
        print(f"debian_diff: packages unavailable: {exc}", file=sys.stderr)
        return 2
    if args.fetch_only:
        print(root)
        return 0
    if shutil.which(QEMU) is None:
        print(f"debian_diff: {QEMU} is not installed (apt-get install qemu-user-static)",
              file=sys.stderr)
        return 2
    cases = [c for c in load_cases(manifest, root)
             if not args.case or any(s in c.name for s in args.case)]
    modes = [m for m in args.modes.split(",") if m]
    results = run_all(root, cases, modes, args.timeout)
    total = summary(results, modes)
    ratios = ratio_summary(results, modes)
    print("passed: " + ", ".join(f"{m} {v}" for m, v in total.items()))
    for m, r in ratios.items():
        print(f"blindfold/qemu wall time, {m}: median {r['median']:.1f}x, "
              f"range {r['min']:.1f}x-{r['max']:.1f}x over {len(results)} cases")
    if args.json is not None:
        args.json.write_text(json.dumps({"summary": total, "ratios": ratios, "cases": results},
                                        indent=2))
    return 0 if all(r[m]["ok"] for r in results for m in modes) else 1


if __name__ == "__main__":
    sys.exit(main())
