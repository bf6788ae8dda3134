#!/usr/bin/env python3
"""A fake Hugging Face Hub for tests (standard library only).

    hubserver.py [--root DIR] [--page-size N] [--regular-redirect] [--cdn MODE]
                 [--cdn-allow-auth] [--fault PATTERN=KIND[:ARG][@N]]...
                 [--retry-after S] [--stall-seconds S] [--log FILE]
                 [--token T]... [--limited-token T]... [--timeout S] [--no-stdin]
                 [--cache-control VALUE] [--validators]
                 [--etag-salt S] [--cdn-expire BYTES] [--rate BYTES_PER_S]
    hubserver.py [--root DIR] --list

Listens on 127.0.0.1, port 0. Prints "PORT <n>" as the first line on stdout,
then "CDN_PORT <m>" (equal to n unless --cdn other-port). Exits when stdin
reaches end of file (unless --no-stdin) or after --timeout seconds.

Serves the repos of fixtures/hub (see tests/helpers/hubrepo.py) with the
endpoints, headers and errors of the real Hub as docs/reference/hub.md and docs/reference/serve.md
describe them.
docs/reference/fake-hub.md documents every option, the fault kinds and the log format.
"""

import argparse
import base64
import fnmatch
import hashlib
import json
import os
import random
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubrepo  # noqa: E402

MAX_BODY = 1 << 20
TRUE = ("true", "True", "1")
API_KEYWORDS = ("revision", "tree", "paths-info", "refs", "discussions", "xet-read-token",
		"commits", "resolve")
STATUS_FAULTS = ("500", "500-then-ok", "500-after", "429", "429-then-ok", "redirect-loop")
BODY_FAULTS = ("cut", "wrong-bytes", "stall", "ignore-range", "endless", "flaky")


class Fault:
	def __init__(self, spec):
		if "=" not in spec:
			raise ValueError(f"fault '{spec}': expected PATTERN=KIND[:ARG][@N]")
		self.pattern, rest = spec.rsplit("=", 1)
		self.remaining = None
		if "@" in rest:
			rest, n = rest.rsplit("@", 1)
			self.remaining = int(n)
		kind, _, arg = rest.partition(":")
		if kind not in STATUS_FAULTS + BODY_FAULTS:
			raise ValueError(f"fault '{spec}': unknown kind '{kind}'")
		self.arg = int(arg) if arg else None
		if kind.endswith("-then-ok"):
			if self.arg is None:
				raise ValueError(f"fault '{spec}': {kind} needs a count")
			self.remaining = self.arg
			kind = kind[:-len("-then-ok")]
		self.spared = 0  # 500-after:K: the first K matching requests pass
		if kind == "500-after":
			if self.arg is None:
				raise ValueError(f"fault '{spec}': 500-after needs a count")
			self.spared = self.arg
			kind = "500"
		if kind == "cut" and self.arg is None:
			raise ValueError(f"fault '{spec}': cut needs an offset")
		if kind == "flaky" and (self.arg is None or not 0 < self.arg <= 100):
			raise ValueError(f"fault '{spec}': flaky needs a percentage (1 to 100)")
		self.kind = kind
		self.lock = threading.Lock()
		self.seen = 0  # range requests seen (ignore-range:K)
		self.rng = random.Random(17)  # flaky: the same draws every run

	def honour_range(self):
		"""ignore-range:K: True for the first K range requests."""
		with self.lock:
			self.seen += 1
			return self.arg is not None and self.seen <= self.arg

	def draw(self, n):
		"""flaky: (fires, kind, offset in [1, n)) from the seeded generator."""
		with self.lock:
			fires = self.rng.randrange(100) < self.arg
			kind = self.rng.choice(("500", "cut"))
			off = self.rng.randrange(1, n) if n > 1 else 0
		return fires, kind, off

	def matches(self, path):
		return fnmatch.fnmatchcase(path, self.pattern)

	def take(self):
		"""True when the fault fires for this request (consumes one use)."""
		with self.lock:
			if self.spared > 0:
				self.spared -= 1
				return False
			if self.remaining is None:
				return True
			if self.remaining <= 0:
				return False
			self.remaining -= 1
			return True


class Reply(Exception):
	"""Raised by route code to send an error response."""

	def __init__(self, status, code=None, message=None, error=None, headers=None):
		super().__init__(message or error or str(status))
		self.status = status
		self.code = code
		self.message = message
		self.error = error
		self.headers = headers or {}


def cdn_sig(sha256):
	return hashlib.sha1(("fake-cdn:" + sha256).encode()).hexdigest()[:16]


def content_type(path):
	ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
	if ext in ("json", "txt", "md", "csv", "py", "yaml", "yml"):
		return "text/plain; charset=utf-8"
	return "application/octet-stream"


def content_disposition(path):
	name = path.rsplit("/", 1)[-1]
	ascii_name = name.encode("ascii", "replace").decode().replace('"', "_")
	return f"inline; filename*=UTF-8''{quote(name, safe='')}; filename=\"{ascii_name}\";"


class Handler(BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	# answers go out as a header write and a body write: without TCP_NODELAY
	# the second waits for the client's delayed ACK (40 ms on Linux) on every
	# keep-alive request, which no real index or Hub does
	disable_nagle_algorithm = True
	server_version = "fake-hub/1"

	def log_message(self, fmt, *args):  # quiet; see --log
		pass

	def do_GET(self):
		self.dispatch()

	def do_HEAD(self):
		self.dispatch()

	def do_POST(self):
		self.dispatch()

	# ---- plumbing -----------------------------------------------------------

	@property
	def cfg(self):
		return self.server.cfg

	def send_response(self, code, message=None):
		self._status = code
		super().send_response(code, message)

	def send(self, status, body=b"", headers=None, ctype=None):
		hdrs = dict(headers or {})
		if status == 200 and getattr(self, "_raw_path", "").startswith("/api/") and \
				(ctype or "").startswith("application/json"):
			# --cache-control / --validators: API answers as a caching Hub would send them
			if self.cfg.cache_control:
				hdrs["Cache-Control"] = self.cfg.cache_control
			if self.cfg.validators:
				tag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
				hdrs["ETag"] = tag
				inm = self.headers.get("If-None-Match")
				if inm is not None and tag in [t.strip() for t in inm.split(",")]:
					status, body, ctype = 304, b"", None
					hdrs.pop("Content-Length", None)
		self.send_response(status)
		if ctype:
			hdrs["Content-Type"] = ctype
		hdrs.setdefault("Content-Length", str(len(body)))
		hdrs["X-Request-Id"] = self._request_id
		# API replies (JSON) get the body faults too; files get them in serve_bytes
		fault = self._body_fault if status == 200 and self._raw_path.startswith("/api/") \
			else None
		if fault is not None and fault.kind == "endless" and self.command != "HEAD":
			del hdrs["Content-Length"]
			hdrs["Connection"] = "close"
		for k, v in hdrs.items():
			self.send_header(k, v)
		self.end_headers()
		if self.command == "HEAD" or not body:
			return
		if fault is not None and fault.kind != "ignore-range" and \
				self.fault_applies(fault, 0, len(body), len(body)) and fault.take():
			self._fault_used = fault.kind
			return self.faulty_body(fault, body, 0, len(body))
		self.wfile.write(body)

	def send_json(self, status, obj, headers=None):
		body = json.dumps(obj, ensure_ascii=False).encode()
		self.send(status, body, headers, "application/json; charset=utf-8")

	def send_reply(self, r):
		hdrs = dict(r.headers)
		if r.code:
			hdrs["X-Error-Code"] = r.code
		if r.message:
			# header values must be latin-1; ours are ASCII
			hdrs["X-Error-Message"] = r.message
		self.send_json(r.status, {"error": r.error or r.message or "Error"}, hdrs)

	def host(self):
		"""(hostname, port) the client used."""
		h = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
		name, _, port = h.rpartition(":")
		if not name or not port.isdigit():
			return h, self.server.server_address[1]
		return name, int(port)

	def base_url(self):
		name, port = self.host()
		return f"http://{name}:{port}"

	def token_state(self):
		auth = self.headers.get("Authorization")
		if auth is None:
			return None
		m = re.match(r"^Bearer\s+(\S+)$", auth.strip())
		if m and m.group(1) in self.cfg.tokens:
			return "full"
		if m and m.group(1) in self.cfg.limited_tokens:
			return "limited"
		return "bad"

	def dispatch(self):
		self._status = 0
		self._bytes = 0
		self._fault_used = None
		self._request_id = (self.headers.get("X-Request-Id") or
				    self.headers.get("X-Amzn-Trace-Id") or
				    f"fake-hub-{self.server.next_id()}")
		self._body = b""
		self._body_fault = None
		self._raw_path, self._raw_query = "", ""
		try:
			if self.command == "POST":
				n = int(self.headers.get("Content-Length") or "0")
				if n < 0 or n > MAX_BODY:
					raise Reply(413, error="request body too large")
				self._body = self.rfile.read(n)
			url = urlsplit(self.path)
			self._raw_path = url.path
			self._query = parse_qs(url.query, keep_blank_values=True)
			self._raw_query = url.query
			decoded = unquote(url.path)
			body_fault = None
			for f in self.cfg.faults:
				if not f.matches(decoded):
					continue
				if f.kind in STATUS_FAULTS:
					if f.take():
						self._fault_used = f.kind
						self.status_fault(f, decoded)
						return
				elif body_fault is None:
					body_fault = f
			self._body_fault = body_fault
			self.route(url.path)
		except Reply as r:
			self.send_reply(r)
		except (BrokenPipeError, ConnectionResetError):
			self.close_connection = True
		finally:
			self.write_log()

	def write_log(self):
		if not self.cfg.log:
			return
		rec = {"method": self.command, "path": self.path, "host": self.headers.get("Host"),
		       "auth": "Authorization" in self.headers, "range": self.headers.get("Range"),
		       "status": self._status, "fault": self._fault_used, "bytes": self._bytes}
		line = json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n"
		with self.server.log_lock:
			self.cfg.log.write(line)
			self.cfg.log.flush()

	def status_fault(self, f, path):
		if f.kind == "redirect-loop":
			# 302 from PATH to PATH?loop and back, forever (relative Location)
			loc = self._raw_path if self._raw_query == "loop" else self._raw_path + "?loop"
			self.send(302, b"", {"Location": loc})
			return
		if f.kind == "500":
			self.send_json(500, {"error": "Internal Error - We're working hard to fix this "
					     "as soon as possible!"})
			return
		bucket = "api" if path.startswith("/api/") else "resolvers"
		t = self.cfg.retry_after
		self.send_json(429, {"error": f"You have exceeded our hourly quotas for action "
				     f"'{bucket}'. Retry after {t} seconds."},
			       {"RateLimit": f'"{bucket}";r=0;t={t}',
				"RateLimit-Policy": f'"fixed window";"{bucket}";q=3000;w=300',
				"Retry-After": str(t)})

	# ---- routing ------------------------------------------------------------

	def route(self, raw):
		segs = raw.split("/")[1:]
		if segs and segs[0] == "cdn":
			return self.cdn(segs[1:])
		if self.token_state() == "bad":
			raise Reply(401, message="Invalid credentials in Authorization header",
				    error="Invalid credentials in Authorization header")
		if segs[:1] == ["api"]:
			return self.api(segs[1:])
		if self.command == "POST":
			raise Reply(405, error="Method not allowed")
		rtype = "model"
		if segs and segs[0] in ("datasets", "spaces"):
			rtype = segs[0][:-1]
			segs = segs[1:]
		if len(segs) >= 3 and segs[1] == "resolve" and \
				self.lookup(rtype, segs[:2])[0] is None:
			return self.resolve_route(rtype, segs[:1], segs[2:], raw)
		if len(segs) >= 4 and segs[2] == "resolve":
			return self.resolve_route(rtype, segs[:2], segs[3:], raw)
		if len(segs) >= 3 and segs[1] == "resolve":
			return self.resolve_route(rtype, segs[:1], segs[2:], raw)
		raise Reply(404, error="Not Found")

	def lookup(self, rtype, id_segs):
		"""(repo, alias_repo) for repo id segments; both None when unknown."""
		rid = "/".join(unquote(s) for s in id_segs)
		repo = self.server.hub.get(rtype, rid)
		if repo is not None:
			return repo, None
		alias = self.server.hub.aliases.get((rtype, rid))
		if alias is not None:
			return alias, alias
		return None, None

	def split_repo(self, rtype, segs):
		"""Repo id segments (1 or 2) at the start of segs, preferring known repos."""
		if len(segs) >= 2 and self.lookup(rtype, segs[:2])[0] is not None:
			return segs[:2], segs[2:]
		if len(segs) >= 1 and self.lookup(rtype, segs[:1])[0] is not None:
			return segs[:1], segs[1:]
		if len(segs) >= 2 and segs[1] not in API_KEYWORDS:
			return segs[:2], segs[2:]
		return segs[:1], segs[1:]

	@staticmethod
	def split_rev(segs):
		"""Revision (decoded) and the remaining raw segments. Raw refs/pr/N is accepted."""
		if not segs or segs[0] == "":
			return None, []
		first = unquote(segs[0])
		if first == "refs" and len(segs) >= 3 and segs[1] in ("pr", "heads", "tags"):
			return f"refs/{segs[1]}/{unquote(segs[2])}", segs[3:]
		return first, segs[1:]

	def redirect_alias(self, prefix, repo, rest):
		loc = prefix + repo.id + ("/" + "/".join(rest) if rest else "")
		if self._raw_query:
			loc += "?" + self._raw_query
		self.send(307, b"", {"Location": loc})

	def access(self, rtype, repo, rid, file_access):
		tok = self.token_state()
		if repo is None or (repo.private and tok != "full"):
			if tok is None:
				raise Reply(401, "RepoNotFound", "Invalid username or password.",
					    "Repository not found")
			raise Reply(404, "RepoNotFound", None, "Repository not found")
		if repo.disabled:
			raise Reply(403, None, "Access to this resource is disabled.",
				    "Access to this resource is disabled.")
		if repo.gated and file_access and tok != "full":
			if tok is None:
				raise Reply(401, "GatedRepo", None,
					    f"Access to {rtype} {rid} is restricted. You must have "
					    "access to it and be authenticated to access it. "
					    "Please log in.")
			msg = (f"Access to {rtype} {rid} is restricted and you are not in the "
			       f"authorized list. Visit {self.base_url()}/{rid} to ask for access.")
			raise Reply(403, "GatedRepo", msg, msg)

	def commit_for(self, repo, rev):
		c = repo.resolve(rev)
		if c is None:
			raise Reply(404, "RevisionNotFound", None, f"Invalid rev id: {rev}")
		return c

	# ---- /api ----------------------------------------------------------------

	def api(self, segs):
		if segs == ["whoami-v2"]:
			tok = self.token_state()
			if tok is None:
				raise Reply(401, message="Invalid credentials in Authorization header",
					    error="Invalid credentials in Authorization header")
			return self.send_json(200, {"type": "user", "name": "test-user",
						    "auth": {"type": "access_token",
							     "accessToken": {"displayName": "test",
									     "role": "read"}}})
		if len(segs) >= 2 and segs[0] == "resolve-cache" and \
				segs[1] in ("models", "datasets", "spaces"):
			return self.resolve_cache(segs[1][:-1], segs[2:])
		if not segs or segs[0] not in ("models", "datasets", "spaces") or len(segs) < 2:
			raise Reply(404, error="Not Found")
		rtype = segs[0][:-1]
		id_segs, rest = self.split_repo(rtype, segs[1:])
		repo, alias = self.lookup(rtype, id_segs)
		rid = "/".join(unquote(s) for s in id_segs)
		if alias is not None:
			return self.redirect_alias(f"/api/{rtype}s/", repo, rest)
		op = rest[0] if rest else ""
		if self.command == "POST" and op != "paths-info":
			raise Reply(405, error="Method not allowed")
		self.access(rtype, repo, rid, False)
		if op == "":
			return self.repo_info(repo, repo.head)
		if op == "revision":
			rev, tail = self.split_rev(rest[1:])
			if rev is None or tail:
				raise Reply(404, error="Not Found")
			return self.repo_info(repo, self.commit_for(repo, rev))
		if op == "tree":
			rev, tail = self.split_rev(rest[1:])
			if rev is None:
				raise Reply(404, error="Not Found")
			return self.tree(repo, self.commit_for(repo, rev),
					 unquote("/".join(tail)).strip("/"))
		if op == "paths-info":
			if self.command != "POST":
				raise Reply(405, error="Method not allowed")
			rev, tail = self.split_rev(rest[1:])
			if rev is None or tail:
				raise Reply(404, error="Not Found")
			return self.paths_info(repo, self.commit_for(repo, rev))
		if op == "refs" and len(rest) == 1:
			return self.refs(repo)
		if op == "discussions" and len(rest) == 1:
			return self.send_json(200, {"discussions": [], "count": 0, "start": 0,
						    "numItems": 0})
		raise Reply(404, error="Not Found")

	def qbool(self, name):
		v = self._query.get(name)
		return bool(v) and v[-1] in TRUE

	def sibling(self, fe, blobs):
		s = {"rfilename": fe.path}
		if blobs:
			s["size"] = fe.size
			s["blobId"] = fe.oid
			if fe.lfs:
				s["lfs"] = {"sha256": fe.sha256, "size": fe.size,
					    "pointerSize": fe.pointer_size}
		return s

	def repo_info(self, repo, commit):
		blobs = self.qbool("blobs")
		first = commit
		while first.parent is not None:
			first = first.parent
		info = {
			"_id": hashlib.sha1(f"{repo.type}/{repo.id}".encode()).hexdigest()[:24],
			"id": repo.id,
			"author": repo.id.split("/")[0] if "/" in repo.id else None,
			"sha": commit.id,
			"lastModified": commit.date,
			"createdAt": first.date,
			"private": repo.private,
			"gated": repo.gated,
			"disabled": repo.disabled,
			"downloads": 0,
			"likes": 0,
			"tags": [],
			"siblings": [self.sibling(commit.files[p], blobs) for p in sorted(commit.files)],
			"usedStorage": sum(fe.size for fe in commit.files.values()),
		}
		if repo.type == "model":
			info["modelId"] = repo.id
		info.update(repo.info)
		self.send_json(200, info)

	def entry(self, commit, path, expand):
		fe = commit.files.get(path)
		if fe is not None:
			e = {"type": "file", "oid": fe.oid, "size": fe.size, "path": path}
			if fe.lfs:
				e["lfs"] = {"oid": fe.sha256, "size": fe.size,
					    "pointerSize": fe.pointer_size}
			last = fe.last_commit
		else:
			e = {"type": "directory", "oid": hubrepo.dir_oid(commit, path), "size": 0,
			     "path": path}
			last = hubrepo.dir_last_commit(commit, path)
		if expand:
			e["lastCommit"] = {"id": last.id, "title": last.title, "date": last.date}
			e["securityFileStatus"] = {"status": "safe"}
		return e

	def tree(self, repo, commit, path):
		recursive = self.qbool("recursive")
		expand = self.qbool("expand")
		dirs = commit.dirs()
		if path and path not in dirs:
			raise Reply(404, "EntryNotFound", None,
				    f"{path} does not exist on \"{commit.id}\"",
				    {"X-Repo-Commit": commit.id})
		prefix = path + "/" if path else ""
		names = []
		for p in sorted(set(commit.files) | dirs):
			if not p.startswith(prefix):
				continue
			if not recursive and "/" in p[len(prefix):]:
				continue
			names.append(p)
		start = 0
		cursor = self._query.get("cursor")
		if cursor:
			try:
				start = int(base64.urlsafe_b64decode(cursor[-1].encode()).decode())
			except (ValueError, UnicodeDecodeError):
				raise Reply(400, error="Invalid cursor")
		size = self.cfg.page_size
		page = names[start:start + size]
		headers = {}
		if start + size < len(names):
			q = [(k, v) for k, vs in self._query.items() if k != "cursor" for v in vs]
			q.append(("cursor", base64.urlsafe_b64encode(str(start + size).encode()).decode()))
			nxt = f"{self.base_url()}{self._raw_path}?{urlencode(q)}"
			headers["Link"] = f'<{nxt}>; rel="next"'
		self.send_json(200, [self.entry(commit, p, expand) for p in page], headers)

	def paths_info(self, repo, commit):
		ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
		try:
			if ctype == "application/json":
				obj = json.loads(self._body.decode())
				paths = obj.get("paths")
				expand = obj.get("expand") in (True, "true", "True", "1", 1)
			else:
				form = parse_qs(self._body.decode(), keep_blank_values=True)
				paths = form.get("paths", []) + form.get("paths[]", [])
				expand = (form.get("expand") or ["false"])[-1] in TRUE
		except (ValueError, UnicodeDecodeError, AttributeError):
			raise Reply(400, error="Invalid request body")
		if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
			raise Reply(400, error="\"paths\" must be a list of strings")
		dirs = commit.dirs()
		out = []
		for p in paths:
			p = p.strip("/")
			if p in commit.files or p in dirs:
				out.append(self.entry(commit, p, expand))
		self.send_json(200, out)

	def refs(self, repo):
		def rows(table, kind):
			return [{"name": k, "ref": f"refs/{kind}/{k}", "targetCommit": c.id}
				for k, c in sorted(table.items())]
		out = {"branches": rows(repo.branches, "heads"), "tags": rows(repo.tags, "tags"),
		       "converts": []}
		if self.qbool("include_prs"):
			out["pullRequests"] = [{"name": f"refs/pr/{k}", "ref": f"refs/pr/{k}",
						"targetCommit": c.id} for k, c in sorted(repo.pulls.items())]
		self.send_json(200, out)

	# ---- resolve ---------------------------------------------------------------

	def resolve_route(self, rtype, id_segs, rest, raw):
		repo, alias = self.lookup(rtype, id_segs)
		rid = "/".join(unquote(s) for s in id_segs)
		prefix = "/" if rtype == "model" else f"/{rtype}s/"
		if alias is not None:
			return self.redirect_alias(prefix, repo, ["resolve"] + rest)
		self.access(rtype, repo, rid, True)
		rev, tail = self.split_rev(rest)
		if rev is None:
			raise Reply(404, error="Not Found")
		commit = self.commit_for(repo, rev)
		path = unquote("/".join(tail))
		fe = commit.files.get(path)
		if fe is None:
			raise Reply(404, "EntryNotFound", None, "Entry not found",
				    {"X-Repo-Commit": commit.id})
		if fe.lfs:
			return self.resolve_lfs(repo, commit, fe)
		if self.cfg.regular_redirect:
			loc = (f"/api/resolve-cache/{rtype}s/{repo.id}/{commit.id}/{quote(path)}"
			       f"?etag=%22{fe.oid}%22")
			return self.send(307, b"", {"Location": loc, "X-Repo-Commit": commit.id})
		self.serve_bytes(fe, {"X-Repo-Commit": commit.id, "ETag": f'"{fe.oid}"'})

	def resolve_cache(self, rtype, segs):
		if len(segs) < 2:
			raise Reply(404, error="Not Found")
		id_segs, rest = self.split_repo(rtype, segs)
		repo, _ = self.lookup(rtype, id_segs)
		rid = "/".join(unquote(s) for s in id_segs)
		self.access(rtype, repo, rid, True)
		if not rest or not hubrepo.HEX40.match(rest[0]):
			raise Reply(404, "RevisionNotFound", None, "Invalid rev id")
		commit = self.commit_for(repo, rest[0])
		path = unquote("/".join(rest[1:]))
		fe = commit.files.get(path)
		if fe is None:
			raise Reply(404, "EntryNotFound", None, "Entry not found",
				    {"X-Repo-Commit": commit.id})
		if fe.lfs:
			return self.resolve_lfs(repo, commit, fe)
		self.serve_bytes(fe, {"X-Repo-Commit": commit.id, "ETag": f'"{fe.oid}"'})

	def resolve_lfs(self, repo, commit, fe):
		meta = {"X-Repo-Commit": commit.id, "X-Linked-Etag": f'"{fe.sha256}"',
			"X-Linked-Size": str(fe.size)}
		if self.cfg.cdn == "none":
			meta["ETag"] = f'"{fe.sha256}"'
			return self.serve_bytes(fe, meta)
		name, port = self.host()
		if self.cfg.cdn == "other-port":
			port = self.server.cdn_port
		else:
			name = "localhost" if name == "127.0.0.1" else "127.0.0.1"
		sig = cdn_sig(fe.sha256)
		if self.cfg.cdn_expire is not None:
			sig += "." + str(self.server.new_signature())
		loc = (f"http://{name}:{port}/cdn/{repo.type}s/{repo.id}/{fe.sha256}/"
		       f"{quote(fe.path)}?sig={sig}")
		body = f"Found. Redirecting to {loc}".encode()
		meta.update({"Location": loc, "ETag": f'"{fe.oid}"', "Accept-Ranges": "bytes"})
		self.send(302, body, meta, "text/plain; charset=utf-8")

	def cdn(self, segs):
		if "Authorization" in self.headers and not self.cfg.cdn_allow_auth:
			raise Reply(400, "CdnAuthorizationRejected",
				    "The CDN rejects requests carrying an Authorization header",
				    "Only one auth mechanism allowed; fake CDN: do not forward "
				    "Authorization across hosts")
		sha = None
		for s in segs:
			if re.match(r"^[0-9a-f]{64}$", s):
				sha = s
				break
		sig = (self._query.get("sig") or [""])[-1]
		serial = None
		if self.cfg.cdn_expire is not None:
			sig, _, serial = sig.partition(".")
		if sha is None or sig != cdn_sig(sha):
			raise Reply(403, error="Request has expired or the signature does not match")
		if serial is not None:
			# --cdn-expire: each signed URL serves at most that many bytes
			left = self.server.signature_left(serial, self.cfg.cdn_expire)
			if left <= 0:
				raise Reply(403, error="Request has expired")
			self._budget = (serial, left)
		fe = self.server.blobs.get(sha)
		if fe is None:
			raise Reply(404, error="NoSuchKey")
		self.serve_bytes(fe, {"ETag": f'"{fe.sha256}"',
				      "Content-Disposition": content_disposition(fe.path)},
				 "application/octet-stream")

	# ---- bytes, Range and body faults ---------------------------------------------

	def parse_range(self, size):
		"""None (serve 200), 'bad' (416) or (start, end) inclusive."""
		r = self.headers.get("Range")
		if r is None:
			return None
		m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", r)
		if not m or (m.group(1) == "" and m.group(2) == ""):
			return None  # unknown or multi-range syntax: ignore, as RFC 9110 allows
		a, b = m.group(1), m.group(2)
		if a == "":
			n = int(b)
			if n == 0 or size == 0:
				return "bad"
			return (max(0, size - n), size - 1)
		start = int(a)
		end = int(b) if b else size - 1
		if b and end < start:
			return None
		if start >= size:
			return "bad"
		return (start, min(end, size - 1))

	def serve_bytes(self, fe, headers, ctype=None):
		size = fe.size
		headers = dict(headers)
		headers["Accept-Ranges"] = "bytes"
		ctype = ctype or content_type(fe.path)
		if self.cfg.etag_salt and "ETag" in headers:
			headers["ETag"] = headers["ETag"][:-1] + "-" + self.cfg.etag_salt + '"'
		fault = self._body_fault
		ignore = False
		if fault is not None and fault.kind == "ignore-range":
			if self.command == "GET" and "Range" in self.headers and \
					not fault.honour_range() and fault.take():
				ignore = True
				self._fault_used = fault.kind
			fault = None
		cut_at = None
		if fault is not None and fault.kind == "flaky":
			if self.command == "GET" and size > 0:
				fires, kind, off = fault.draw(size)
				if fires and fault.take():
					self._fault_used = "flaky-" + kind
					if kind == "500":
						return self.send_json(500, {"error": "Internal Error"})
					cut_at = off
			fault = None
		rng = None if ignore else self.parse_range(size)
		if rng == "bad":
			headers["Content-Range"] = f"bytes */{size}"
			return self.send(416, b"Requested Range Not Satisfiable", headers,
					 "text/plain; charset=utf-8")
		status = 200
		start, end = 0, size - 1
		if rng is not None:
			status = 206
			start, end = rng
			headers["Content-Range"] = f"bytes {start}-{end}/{size}"
		length = end + 1 - start if size else 0
		budget = getattr(self, "_budget", None)
		endless = fault is not None and fault.kind == "endless" and self.command == "GET" \
			and fault.take()
		self.send_response(status)
		headers["Content-Type"] = ctype
		if endless:
			headers["Connection"] = "close"
		else:
			headers["Content-Length"] = str(length)
		headers["X-Request-Id"] = self._request_id
		for k, v in headers.items():
			self.send_header(k, v)
		self.end_headers()
		if self.command == "HEAD":
			return
		if endless or (fault is not None and length and
			       self.fault_applies(fault, start, length, size) and fault.take()):
			# the body faults work on the bytes in memory (small test files)
			self._fault_used = fault.kind
			with open(fe.disk_path, "rb") as f:
				f.seek(start)
				body = f.read(length)
			return self.faulty_body(fault, body, start, size)
		# everything else streams from the file: a flaky cut or an expiring
		# signature sends a prefix and hangs up
		n = length
		if cut_at is not None:
			n = min(cut_at % max(length, 1), length)
		if budget is not None and length > budget[1]:
			n = budget[1]  # the signed URL expires inside this body
			self._fault_used = "expired"
		if budget is not None:
			self.server.signature_spend(budget[0], n)
		self.stream_file(fe.disk_path, start, n)
		if n < length:
			self.hang_up()

	def stream_file(self, path, start, length):
		"""LENGTH bytes of the file from START with os.sendfile: the bytes go from
		the page cache to the socket without a copy through Python (half the CPU
		of reading and writing 256 KiB chunks), and the GIL is released while
		the kernel sends. With --rate, in chunks of 10 ms worth, each sent when
		the pace allows (the pace is kept from the start of the body)."""
		rate = self.cfg.rate
		step = max(65536, rate // 100) if rate else 1 << 30
		out = self.connection.fileno()
		t0 = time.monotonic()
		sent = 0
		with open(path, "rb") as f:
			while sent < length:
				n = os.sendfile(out, f.fileno(), start + sent, min(step, length - sent))
				if n == 0:
					return  # the file is shorter than it was at start-up
				sent += n
				self._bytes += n
				if rate:
					ahead = t0 + sent / rate - time.monotonic()
					if ahead > 0:
						time.sleep(ahead)

	def hang_up(self):
		"""Close the connection in the middle of a body."""
		self.close_connection = True
		try:
			self.connection.shutdown(socket.SHUT_RDWR)
		except OSError:
			pass

	@staticmethod
	def fault_offset(fault, size):
		if fault.arg is not None:
			return fault.arg
		return size // 2 if fault.kind == "wrong-bytes" else 0

	def fault_applies(self, fault, start, n, size):
		"""Body faults act at an absolute file offset: only when this range covers it."""
		off = self.fault_offset(fault, size)
		if fault.kind == "endless":
			return True
		if fault.kind == "stall":
			return off < start + n
		if fault.kind == "wrong-bytes":
			return start <= off < start + n
		# a resume that starts at the cut offset is served whole; cut:0 cuts at once
		return start < off < start + n or off == start == 0

	def faulty_body(self, fault, body, start, size):
		off = self.fault_offset(fault, size)
		if fault.kind == "endless":
			# the body, then spaces until the client hangs up or the server stops
			self.close_connection = True
			self.wfile.write(body)
			pad = b" " * 65536
			while not self.server.stopping.is_set():
				self.wfile.write(pad)
			return
		if fault.kind == "wrong-bytes":
			b = bytearray(body)
			b[off - start] ^= 0xFF
			self.wfile.write(bytes(b))
			self._bytes += len(b)
			return
		# cut and stall: the bytes before the absolute file offset, then stop
		keep = max(0, off - start)
		self.wfile.write(body[:keep])
		self._bytes += keep
		self.wfile.flush()
		if fault.kind == "stall":
			deadline = time.monotonic() + self.cfg.stall_seconds
			while time.monotonic() < deadline and not self.server.stopping.is_set():
				time.sleep(0.05)
		self.hang_up()


class Server(ThreadingHTTPServer):
	daemon_threads = True
	allow_reuse_address = True
	# socketserver's listen backlog is 5: more simultaneous connections than
	# that lose their SYN and wait a second to retry, as no real Hub does
	request_queue_size = 128

	def __init__(self, addr, cfg, hub, blobs, stopping):
		super().__init__(addr, Handler)
		self.cfg = cfg
		self.hub = hub
		self.blobs = blobs
		self.stopping = stopping
		self.cdn_port = None
		self.log_lock = threading.Lock()
		self._ids = 0
		self._ids_lock = threading.Lock()
		self.signatures = {}  # --cdn-expire: serial -> bytes served

	def next_id(self):
		with self._ids_lock:
			self._ids += 1
			return self._ids

	def new_signature(self):
		with self._ids_lock:
			n = len(self.signatures) + 1
			self.signatures[str(n)] = 0
			return n

	def signature_left(self, serial, limit):
		with self._ids_lock:
			if serial not in self.signatures:
				return 0
			return limit - self.signatures[serial]

	def signature_spend(self, serial, n):
		with self._ids_lock:
			self.signatures[serial] = self.signatures.get(serial, 0) + n


def main(argv):
	here = os.path.dirname(os.path.abspath(__file__))
	ap = argparse.ArgumentParser(prog="hubserver.py", description="fake Hugging Face Hub")
	ap.add_argument("--root", default=os.path.join(here, "..", "..", "fixtures", "hub"))
	ap.add_argument("--page-size", type=int, default=3,
			help="entries per /tree page (default 3, so paging is exercised)")
	ap.add_argument("--regular-redirect", action="store_true",
			help="answer regular files with a relative 307 to /api/resolve-cache/...")
	ap.add_argument("--cdn", choices=("other-host", "other-port", "none"), default="other-host",
			help="how LFS files are served (default: 302 to the other host name)")
	ap.add_argument("--cdn-allow-auth", action="store_true",
			help="do not reject CDN requests that carry Authorization")
	ap.add_argument("--fault", action="append", default=[], metavar="PATTERN=KIND[:ARG][@N]")
	ap.add_argument("--retry-after", type=int, default=1)
	ap.add_argument("--stall-seconds", type=float, default=60.0)
	ap.add_argument("--log", metavar="FILE")
	ap.add_argument("--cache-control", metavar="VALUE",
			help="Cache-Control of the API's JSON answers")
	ap.add_argument("--etag-salt", metavar="S",
			help="append -S to the ETag of every file (the same bytes, another validator)")
	ap.add_argument("--cdn-expire", type=int, metavar="BYTES",
			help="each signed CDN URL serves at most BYTES, then answers 403")
	ap.add_argument("--rate", type=int, metavar="BYTES_PER_S",
			help="at most this many body bytes per second per connection (files)")
	ap.add_argument("--validators", action="store_true",
			help="ETag on the API's JSON answers; If-None-Match that matches gets 304")
	ap.add_argument("--token", action="append", default=[],
			help="a token with full access (hf_test_token is always one)")
	ap.add_argument("--limited-token", action="append", default=[],
			help="a valid token without gated/private access "
			     "(hf_unapproved_token is always one)")
	ap.add_argument("--timeout", type=float, default=600.0,
			help="exit after this many seconds (default 600; 0 = never)")
	ap.add_argument("--no-stdin", action="store_true",
			help="do not exit at end of stdin (rely on --timeout)")
	ap.add_argument("--list", action="store_true",
			help="print every repo, ref, commit directory and commit id, then exit")
	args = ap.parse_args(argv[1:])
	if args.page_size < 1:
		ap.error("--page-size must be at least 1")
	try:
		faults = [Fault(s) for s in args.fault]
	except ValueError as e:
		ap.error(str(e))
	try:
		hub = hubrepo.Hub(args.root)
	except (OSError, ValueError, KeyError, hubrepo.RepoError) as e:
		sys.stderr.write(f"hubserver: cannot load fixtures from '{args.root}': {e}\n")
		return 2
	if args.list:
		for (rtype, rid), repo in sorted(hub.repos.items()):
			refs = [("heads/" + k, c) for k, c in sorted(repo.branches.items())]
			refs += [("tags/" + k, c) for k, c in sorted(repo.tags.items())]
			refs += [("pr/" + k, c) for k, c in sorted(repo.pulls.items())]
			for name, c in refs:
				print(f"{rtype}\t{rid}\trefs/{name}\t{c.id}\t"
				      f"{os.path.relpath(os.path.join(repo.dir, 'commits', c.label))}")
		return 0
	blobs = {}
	for repo in hub.repos.values():
		for c in repo.commits.values():
			for fe in c.files.values():
				if fe.lfs:
					blobs[fe.sha256] = fe
	args.faults = faults
	args.tokens = {"hf_test_token"} | set(args.token)
	args.limited_tokens = {"hf_unapproved_token"} | set(args.limited_token)
	args.log = open(args.log, "a", encoding="utf-8") if args.log else None
	stopping = threading.Event()
	servers = [Server(("127.0.0.1", 0), args, hub, blobs, stopping)]
	if args.cdn == "other-port":
		servers.append(Server(("127.0.0.1", 0), args, hub, blobs, stopping))
	cdn_port = servers[-1].server_address[1]
	for s in servers:
		s.cdn_port = cdn_port
		threading.Thread(target=s.serve_forever, daemon=True).start()
	sys.stdout.write(f"PORT {servers[0].server_address[1]}\nCDN_PORT {cdn_port}\n")
	sys.stdout.flush()

	def wait_stdin():
		try:
			while sys.stdin.buffer.read(4096):
				pass
		except (OSError, ValueError):
			pass
		stopping.set()

	if not args.no_stdin:
		threading.Thread(target=wait_stdin, daemon=True).start()
	if args.timeout > 0:
		timer = threading.Timer(args.timeout, stopping.set)
		timer.daemon = True
		timer.start()
	stopping.wait()
	for s in servers:
		s.shutdown()
		s.server_close()
	if args.log:
		args.log.close()
	os._exit(0)


if __name__ == "__main__":
	sys.exit(main(sys.argv))
