"""Run one pass@k sample program under resource limits; started by evals/passk/sandbox.ts.

usage: sandbox-runner.py MEMORY_BYTES FILE_BYTES PROGRAM   (a one-line nonce is read from stdin first)
       sandbox-runner.py --probe-network

Started with -S (no site: its .pth hooks can cost more than a sample); RAGENT_PASSK_PATH holds the module
path a normal start-up computes, as JSON.

The program passes only if it runs to its end: the runner then writes the nonce to fd 3. An early exit(),
a crash or a kill leaves fd 3 empty, so "exited with status 0" alone never counts as passing.

An audit hook keeps the sample's writes inside its temp directory and stops it starting other programs
(forking Python is allowed: the child keeps the hook). This guards against a model's mistakes, not against
code written to escape: ctypes, for one, gets around it.
"""
import builtins
import errno
import json
import os
import resource
import socket
import sys
import types


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


WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# Audit events that change the file system, with the positions of their path arguments.
PATH_EVENTS = {
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1), "os.link": (0, 1),
    "os.symlink": (1,), "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,),
    "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.move": (1,),
}
SPAWN_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile", "pty.spawn"}


def install_guard(root):
    root = os.path.realpath(root)

    def inside(path):
        if isinstance(path, int):
            return True  # an open descriptor: its path was checked when it was opened
        full = os.path.realpath(os.fsdecode(os.fspath(path)))
        return full == root or full.startswith(root + os.sep) or full == os.devnull

    def hook(event, args):
        if event == "open":
            path, _mode, flags = args
            if flags & WRITE_FLAGS and path is not None and not inside(path):
                raise PermissionError(f"a pass@k sample may only write inside its temp directory, not {path!r}")
        elif event in PATH_EVENTS:
            for i in PATH_EVENTS[event]:
                if i < len(args) and args[i] is not None and not inside(args[i]):
                    raise PermissionError(f"{event} outside the sample's temp directory ({args[i]!r}) is not allowed")
        elif event in SPAWN_EVENTS:
            raise PermissionError(f"{event}: a pass@k sample may not start other programs")

    sys.addaudithook(hook)


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
    install_guard(os.path.dirname(path))
    # A fresh __main__ module, so pickling (multiprocessing) finds the sample's functions where it looks.
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = builtins
    sys.modules["__main__"] = module
    try:
        exec(code, module.__dict__)
    except SystemExit as e:
        print(f"sample called exit({e.code!r}) before its tests finished", file=sys.stderr)
        sys.exit(1)
    sys.stdout.flush()
    os.write(3, nonce)


main()
