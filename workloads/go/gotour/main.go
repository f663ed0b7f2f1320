// gotour: the Go runtime's use of the kernel: its netpoller (epoll, eventfd or a
// pipe), timers, tickers, goroutines blocked on pipes, files, and the loopback
// network (TCP over 127.0.0.1 and [::1], a Unix socket).  Output is independent
// of host speed so it compares with a run on real Linux.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

var failures int

func check(ok bool, what string, err error) {
	if ok {
		fmt.Printf("ok   %s\n", what)
		return
	}
	failures++
	fmt.Printf("FAIL %s (%v)\n", what, err)
}

func timers() {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	check(time.Since(start) >= 20*time.Millisecond, "sleep 20ms", nil)
	select {
	case <-time.After(15 * time.Millisecond):
		check(true, "time.After fires", nil)
	case <-time.After(5 * time.Second):
		check(false, "time.After fires", nil)
	}
	tk := time.NewTicker(5 * time.Millisecond)
	n := 0
	for range tk.C {
		n++
		if n == 4 {
			break
		}
	}
	tk.Stop()
	check(n == 4 && time.Since(start) >= 55*time.Millisecond, "ticker ticks 4 times", nil)
	t := time.NewTimer(time.Hour)
	check(t.Stop(), "timer stopped before firing", nil)
	var wg sync.WaitGroup
	results := make([]int, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			time.Sleep(time.Duration(8-i) * time.Millisecond)
			results[i] = i * i
		}(i)
	}
	wg.Wait()
	sum := 0
	for _, v := range results {
		sum += v
	}
	check(sum == 140, "8 sleeping goroutines", nil)
}

func files() {
	dir, err := os.MkdirTemp(".", "gotour")
	check(err == nil, "MkdirTemp", err)
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "a.txt")
	err = os.WriteFile(p, []byte("alpha\nbeta\ngamma\n"), 0o644)
	check(err == nil, "WriteFile", err)
	f, err := os.Open(p)
	check(err == nil, "Open", err)
	sc := bufio.NewScanner(f)
	var lines []string
	for sc.Scan() {
		lines = append(lines, strings.ToUpper(sc.Text()))
	}
	f.Close()
	check(strings.Join(lines, ",") == "ALPHA,BETA,GAMMA", "read lines back", nil)
	os.WriteFile(filepath.Join(dir, "b.txt"), nil, 0o600)
	ents, err := os.ReadDir(dir)
	names := []string{}
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	check(err == nil && strings.Join(names, " ") == "a.txt b.txt", "ReadDir", err)
	_, err = os.Open(filepath.Join(dir, "missing"))
	check(os.IsNotExist(err), "missing file: not exist", err)
	st, err := os.Stat(p)
	check(err == nil && st.Size() == 17 && st.Mode().Perm() == 0o644, "Stat", err)
}

func pipes() {
	r, w, err := os.Pipe()
	check(err == nil, "os.Pipe", err)
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	time.Sleep(5 * time.Millisecond)
	fmt.Fprint(w, "through the pipe")
	w.Close()
	got := <-done
	check(got == "through the pipe", "goroutine reads a pipe (netpoller)", nil)
	r2, w2, _ := os.Pipe()
	r2.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	_, err = r2.Read(make([]byte, 1))
	check(os.IsTimeout(err), "read deadline expires", err)
	r2.Close()
	w2.Close()
}

func echoServer(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) {
			defer c.Close()
			io.Copy(c, c)
		}(c)
	}
}

func roundTrip(network, addr, msg string) (string, error) {
	c, err := net.Dial(network, addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	buf := make([]byte, len(msg))
	_, err = io.ReadFull(c, buf)
	return string(buf), err
}

func network() {
	for _, spec := range [][2]string{{"tcp4", "127.0.0.1:0"}, {"tcp6", "[::1]:0"}, {"tcp", ":0"}} {
		ln, err := net.Listen(spec[0], spec[1])
		check(err == nil, "listen "+spec[0]+" "+spec[1], err)
		if err != nil {
			continue
		}
		go echoServer(ln)
		addr := ln.Addr().String()
		if spec[1] == ":0" {
			addr = "127.0.0.1:" + addr[strings.LastIndex(addr, ":")+1:]
		}
		got, err := roundTrip("tcp", addr, "hello over "+spec[0])
		check(err == nil && got == "hello over "+spec[0], "echo over "+spec[0], err)
		_, err = net.Listen(spec[0], ln.Addr().String())
		check(err != nil && strings.Contains(err.Error(), "address already in use"), "second listen: in use", err)
		ln.Close()
	}
	_, err := net.Dial("tcp", "127.0.0.1:1")
	check(err != nil && strings.Contains(err.Error(), "connection refused"), "closed port: refused", err)
	sock := "gotour.sock"
	os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	check(err == nil, "listen unix", err)
	if err == nil {
		go echoServer(ln)
		got, err := roundTrip("unix", sock, "hello over unix")
		check(err == nil && got == "hello over unix", "echo over unix", err)
		ln.Close()
	}
	os.Remove(sock)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	check(err == nil, "listen udp", err)
	if err == nil {
		c, err := net.Dial("udp4", pc.LocalAddr().String())
		check(err == nil, "dial udp", err)
		c.Write([]byte("datagram"))
		buf := make([]byte, 64)
		pc.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, from, err := pc.ReadFrom(buf)
		check(err == nil && string(buf[:n]) == "datagram" && from.String() == c.LocalAddr().String(),
			"udp datagram with its sender", err)
		c.Close()
		pc.Close()
	}
}

func main() {
	what := "all"
	if len(os.Args) > 1 {
		what = os.Args[1]
	}
	if what == "all" || what == "timers" {
		timers()
	}
	if what == "all" || what == "files" {
		files()
	}
	if what == "all" || what == "pipes" {
		pipes()
	}
	if what == "all" || what == "net" {
		network()
	}
	if failures > 0 {
		fmt.Printf("FAILED: %d failures\n", failures)
		os.Exit(1)
	}
	fmt.Println("passed: 0 failures")
}
