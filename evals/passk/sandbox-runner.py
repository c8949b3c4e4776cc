"""Run one pass@k sample program under resource limits; started by evals/passk/sandbox.ts.

usage: sandbox-runner.py MEMORY_BYTES FILE_BYTES PROGRAM   (a one-line nonce is read from stdin first)
       sandbox-runner.py --probe-network

Started with -S (no site: its .pth hooks can cost more than a sample); RAGENT_PASSK_PATH holds the module
path a normal start-up computes, as JSON.

The program passes only if it runs to its end: the runner then writes the nonce to fd 3. An early exit(),
a crash or a kill leaves fd 3 empty, so "exited with status 0" alone never counts as passing.
"""
import builtins
import errno
import json
import os
import resource
import socket
import sys


def set_limit(which, value):
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        # A hard limit already lower than ours stays in force, which is what we want anyway.
        pass


def probe_network():
    # Inside a fresh network namespace only a down loopback exists: any outside address is unreachable at once.
    try:
        socket.create_connection(("192.0.2.1", 9), timeout=2)
    except OSError as e:
        sys.exit(0 if e.errno == errno.ENETUNREACH else 3)
    sys.exit(4)


def restore_site_effects():
    path = os.environ.pop("RAGENT_PASSK_PATH", None)
    if path:
        sys.path[:] = json.loads(path)
    # site also provides exit() and quit(); samples call them.
    builtins.exit = builtins.quit = sys.exit


def main():
    restore_site_effects()
    if sys.argv[1:] == ["--probe-network"]:
        probe_network()
    memory, file_bytes, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    nonce = sys.stdin.readline().strip().encode()
    # The sample gets an empty stdin, so input() ends at once instead of waiting for the timeout.
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdin = open(0, closefd=False)
    set_limit(resource.RLIMIT_AS, memory)
    set_limit(resource.RLIMIT_FSIZE, file_bytes)
    set_limit(resource.RLIMIT_CORE, 0)
    with open(path, encoding="utf-8") as f:
        source = f.read()
    code = compile(source, path, "exec")
    sys.argv = [path]
    scope = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
    try:
        exec(code, scope)
    except SystemExit as e:
        print(f"sample called exit({e.code!r}) before its tests finished", file=sys.stderr)
        sys.exit(1)
    sys.stdout.flush()
    os.write(3, nonce)


main()
