"""Sockets inside the guest: AF_UNIX (stream, datagram, seqpacket) and AF_INET/AF_INET6
over a loopback network that exists only in the kernel model."""
