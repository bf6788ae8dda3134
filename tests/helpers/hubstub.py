#!/usr/bin/env python3
"""A tiny, scripted Hub for tests/cli/hub-client.sh: what the fake Hub
(hubserver.py) cannot do. Everything lives under the path prefix /hf (an
endpoint like http://127.0.0.1:PORT/hf), and the repos are:

  ok/prefixed   a normal repo whose /tree pages use a *relative* Link
  ok/notree     no /tree endpoint (404 without X-Error-Code): clients use
                the siblings of /revision/{commit}?blobs=true
  ok/linkaway   the second /tree page is on another origin (localhost):
                the client must not send the token there
  evil/<case>   a /tree answer with one hostile entry (see EVIL below)
  evil/wrongsha1  a regular file whose bytes do not match its tree oid
  evil/badsha   a /revision answer whose sha is not a commit id

Standard library only. Prints "PORT <n>" and serves until stdin closes (or
--timeout seconds). --log FILE: one JSON line per request
{"method","path","host","auth"}.
"""
import argparse
import hashlib
import json
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "1234567890abcdef1234567890abcdef12345678"
FILES = {
	"config.json": b'{"model_type": "stub"}\n',
	"dir/notes.txt": b"some notes\n",
	"z.txt": b"last\n",
}
BIG = 2 ** 40 + 1


def git_sha1(data):
	return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def entry(path, data=b"x", **kw):
	e = {"type": "file", "path": path, "size": len(data), "oid": git_sha1(data)}
	e.update(kw)
	return e


def good_entries():
	return [entry(p, d) for p, d in sorted(FILES.items())]


EVIL = {
	"dotdot": [entry("../x")],
	"abs": [entry("/etc/passwd")],
	"backslash": [entry("a\\b")],
	"ctl": [entry("a\x01b")],
	"case": [entry("README.md"), entry("readme.md")],
	"dirfile": [entry("x"), entry("x/y")],
	"huge": [entry("huge.bin", size=BIG, lfs={"oid": "ab" * 32, "size": BIG})],
	"wrongsha1": [entry("config.json", FILES["config.json"], oid="0" * 40)],
}


class Handler(BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	# answers go out as a header write and a body write: without TCP_NODELAY
	# the second waits for the client's delayed ACK (40 ms on Linux) on every
	# keep-alive request, which no real index or Hub does
	disable_nagle_algorithm = True

	def log_message(self, *a):
		pass

	def reply(self, status, body=b"", headers=()):
		if isinstance(body, (list, dict)):
			body = json.dumps(body).encode()
		self.send_response(status)
		for k, v in headers:
			self.send_header(k, v)
		self.send_header("Content-Length", str(len(body)))
		self.end_headers()
		if self.command != "HEAD":
			self.wfile.write(body)

	def do_GET(self):
		srv = self.server
		url = urllib.parse.urlsplit(self.path)
		path = urllib.parse.unquote(url.path)
		q = urllib.parse.parse_qs(url.query)
		if srv.log:
			with srv.lock:
				srv.log.write(json.dumps({"method": "GET", "path": self.path,
				                          "host": self.headers.get("Host"),
				                          "auth": "Authorization" in self.headers}) + "\n")
				srv.log.flush()
		if not path.startswith("/hf/"):
			return self.reply(404, {"error": "not under /hf"})
		parts = path[4:].split("/")
		if parts[0] == "api" and len(parts) >= 6 and parts[1] == "models":
			repo = parts[2] + "/" + parts[3]
			what = parts[4]
			if what == "revision":
				sha = "main" if repo == "evil/badsha" else COMMIT
				info = {"id": repo, "sha": sha, "siblings": [{"rfilename": p} for p in FILES]}
				if q.get("blobs") == ["true"]:
					info["siblings"] = [{"rfilename": p, "size": len(d), "blobId": git_sha1(d)}
					                    for p, d in sorted(FILES.items())]
				return self.reply(200, info, [("Content-Type", "application/json")])
			if what == "tree":
				if repo == "ok/notree":
					return self.reply(404, b"Not Found")
				if repo.startswith("evil/"):
					return self.reply(200, EVIL[repo[5:]], [("Content-Type", "application/json")])
				ents = good_entries()
				page = int(q.get("cursor", ["0"])[0])
				hdrs = [("Content-Type", "application/json")]
				if page + 1 < len(ents):
					if repo == "ok/linkaway":
						nxt = (f"http://localhost:{srv.server_address[1]}/hf/api/models/{repo}"
						       f"/tree/{COMMIT}?recursive=true&cursor={page + 1}")
					else:
						nxt = f"?recursive=true&cursor={page + 1}"
					hdrs.append(("Link", f'<{nxt}>; rel="next"'))
				return self.reply(200, ents[page:page + 1], hdrs)
		if len(parts) >= 5 and parts[2] == "resolve" and parts[3] == COMMIT:
			fp = "/".join(parts[4:])
			if fp in FILES:
				return self.reply(200, FILES[fp], [("ETag", '"%s"' % git_sha1(FILES[fp])),
				                                   ("X-Repo-Commit", COMMIT)])
		return self.reply(404, {"error": "Entry not found"}, [("X-Error-Code", "EntryNotFound")])


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--log")
	ap.add_argument("--timeout", type=float, default=300.0)
	args = ap.parse_args()
	ThreadingHTTPServer.request_queue_size = 128  # the default backlog of 5 drops SYNs
	srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
	srv.daemon_threads = True
	srv.log = open(args.log, "a", encoding="utf-8") if args.log else None
	srv.lock = threading.Lock()
	stop = threading.Event()
	threading.Thread(target=srv.serve_forever, daemon=True).start()
	sys.stdout.write(f"PORT {srv.server_address[1]}\n")
	sys.stdout.flush()

	def wait_stdin():
		try:
			while sys.stdin.buffer.read(4096):
				pass
		except (OSError, ValueError):
			pass
		stop.set()

	threading.Thread(target=wait_stdin, daemon=True).start()
	t = threading.Timer(args.timeout, stop.set)
	t.daemon = True
	t.start()
	stop.wait()
	srv.shutdown()
	os._exit(0)


if __name__ == "__main__":
	main()
