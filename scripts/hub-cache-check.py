#!/usr/bin/env python3
"""Check a Hugging Face cache directory (HF_HUB_CACHE layout) for correctness.

    hub-cache-check.py CACHE [--allow-copies]
    hub-cache-check.py CACHE --repo ID [--type model|dataset|space] [--revision REV]...
                       [--include PAT]... [--exclude PAT]... [--fixtures ROOT]

CACHE holds <type>s--<org>--<name>/ folders (hf-hub-protocol.md section 3). Every
folder is checked against the rules the Hub clients' lookup relies on:

  refs/<rev>               exactly 40 lowercase hex, no newline, naming a snapshot
  snapshots/<commit>/...   40-hex commit directories; each file a RELATIVE symlink
                           equal to relpath(blobs/<etag>, dirname(pointer)), to a blob
                           that exists (regular files only with --allow-copies)
  blobs/<etag>             named by 40 hex (git blob sha1 of the content) or 64 hex
                           (sha256 of the content), and the content matches; no
                           leftover *.incomplete files
  trees/<commit>.json      if present: format_version 1, every listed file present

With --repo, the repo is also compared with the fake Hub's fixture repo (default
fixtures root: fixtures/hub next to this script): for each --revision (default
main) refs/<rev> names the fixture commit, and snapshots/<commit>/ holds exactly
the fixture files (after --include/--exclude, matched like huggingface_hub's
allow_patterns/ignore_patterns) with identical bytes, each through the blob
named by its etag (sha256 for LFS files, git blob sha1 otherwise).

Problems go to stderr, one per line, "hub-cache-check: <path>: <problem>".
Exit status: 0 clean, 1 problems found, 2 usage error.
"""

import argparse
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "helpers"))
import hubrepo  # noqa: E402

HEX40 = re.compile(r"^[0-9a-f]{40}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
FOLDER = re.compile(r"^(models|datasets|spaces|kernels)--[^/]+$")


def blob_matches(path, name):
	h = hashlib.sha256() if len(name) == 64 else hashlib.sha1()
	size = os.path.getsize(path)
	if len(name) == 40:
		h.update(b"blob %d\0" % size)
	with open(path, "rb") as f:
		for chunk in iter(lambda: f.read(1 << 20), b""):
			h.update(chunk)
	return h.hexdigest() == name


class Checker:
	def __init__(self, cache, allow_copies):
		self.cache = cache
		self.allow_copies = allow_copies
		self.problems = []
		self.files = 0

	def bad(self, path, msg):
		rel = os.path.relpath(path, self.cache)
		self.problems.append(f"{rel}: {msg}")

	# ---- structure --------------------------------------------------------------

	def check_folder(self, folder):
		if not FOLDER.match(os.path.basename(folder)):
			self.bad(folder, "not a cache repo folder name (<type>s--<org>--<name>)")
		blobs = os.path.join(folder, "blobs")
		snaps = os.path.join(folder, "snapshots")
		refs = os.path.join(folder, "refs")
		if os.path.isdir(blobs):
			for name in sorted(os.listdir(blobs)):
				p = os.path.join(blobs, name)
				if name.endswith(".incomplete"):
					self.bad(p, "leftover temporary download")
				elif not (HEX40.match(name) or HEX64.match(name)):
					self.bad(p, "blob name is neither 40-hex (git sha1) nor 64-hex (sha256)")
				elif os.path.islink(p) or not os.path.isfile(p):
					self.bad(p, "blob is not a regular file")
				elif not blob_matches(p, name):
					kind = "sha256" if len(name) == 64 else "git blob sha1"
					self.bad(p, f"content does not match its name ({kind})")
		if os.path.isdir(refs):
			for dp, dns, fns in os.walk(refs):
				dns.sort()
				for fn in sorted(fns):
					self.check_ref(folder, os.path.join(dp, fn))
		if not os.path.isdir(snaps):
			self.bad(folder, "no snapshots/ directory")
			return
		for name in sorted(os.listdir(snaps)):
			p = os.path.join(snaps, name)
			if not HEX40.match(name):
				self.bad(p, "snapshot directory name is not a 40-hex commit")
			if os.path.islink(p) or not os.path.isdir(p):
				self.bad(p, "snapshot is not a directory")
				continue
			self.check_tree(folder, p)
		trees = os.path.join(folder, "trees")
		if os.path.isdir(trees):
			for name in sorted(os.listdir(trees)):
				self.check_tree_json(folder, os.path.join(trees, name))

	def check_ref(self, folder, path):
		with open(path, "rb") as f:
			data = f.read()
		text = data.decode("ascii", "replace")
		if text.rstrip("\r\n") != text:
			self.bad(path, "ref ends with a newline (clients read it unstripped)")
			text = text.rstrip("\r\n")
		if not HEX40.match(text):
			self.bad(path, f"ref content {text[:60]!r} is not a 40-hex commit")
			return
		if not os.path.isdir(os.path.join(folder, "snapshots", text)):
			self.bad(path, f"ref names commit {text} but snapshots/{text}/ is missing")

	def check_tree(self, folder, snap):
		blobs = os.path.join(folder, "blobs")
		for dp, dns, fns in os.walk(snap):
			dns.sort()
			for d in list(dns):
				if os.path.islink(os.path.join(dp, d)):
					self.bad(os.path.join(dp, d), "directory symlink in a snapshot")
			for fn in sorted(fns):
				self.check_pointer(blobs, os.path.join(dp, fn))

	def check_pointer(self, blobs, p):
		self.files += 1
		if not os.path.islink(p):
			if not self.allow_copies:
				self.bad(p, "regular file in a snapshot (expected a relative symlink to a blob)")
			return
		target = os.readlink(p)
		if os.path.isabs(target):
			self.bad(p, f"absolute symlink '{target}' (must be relative)")
			return
		name = os.path.basename(target)
		want = os.path.relpath(os.path.join(blobs, name), os.path.dirname(p))
		if target != want:
			self.bad(p, f"symlink target '{target}' is not '{want}'")
			return
		if not os.path.isfile(os.path.join(blobs, name)):
			self.bad(p, f"missing blob '{name}' (dangling symlink)")

	def check_tree_json(self, folder, path):
		name = os.path.basename(path)
		if not name.endswith(".json") or not HEX40.match(name[:-5]):
			self.bad(path, "trees/ entry is not <commit>.json")
			return
		try:
			with open(path, "rb") as f:
				obj = json.load(f)
		except ValueError as e:
			self.bad(path, f"invalid JSON: {e}")
			return
		if not isinstance(obj, dict) or obj.get("format_version") != 1 or \
				not isinstance(obj.get("files"), dict):
			self.bad(path, "not {\"format_version\": 1, \"files\": {...}}")
			return
		snap = os.path.join(folder, "snapshots", name[:-5])
		for p in sorted(obj["files"]):
			if not os.path.isfile(os.path.join(snap, *p.split("/"))):
				self.bad(path, f"lists '{p}' but the snapshot lacks it "
					 "(clients then raise IncompleteSnapshotError)")

	# ---- against a fixture repo --------------------------------------------------

	def check_fixture(self, repo, revisions, include, exclude):
		folder = os.path.join(self.cache, repo.folder_name())
		if not os.path.isdir(folder):
			self.bad(folder, f"missing: no cache folder for {repo.type} {repo.id}")
			return
		for rev in revisions:
			commit = repo.resolve(rev)
			if commit is None:
				self.bad(folder, f"revision '{rev}' is not in the fixture repo")
				continue
			if not HEX40.match(rev):
				ref = os.path.join(folder, "refs", *rev.split("/"))
				try:
					with open(ref, "rb") as f:
						got = f.read().decode("ascii", "replace")
				except OSError:
					self.bad(ref, f"missing (expected {commit.id})")
					got = None
				if got is not None and got != commit.id:
					self.bad(ref, f"names {got.strip()!r}, the fixture's '{rev}' is {commit.id}")
			snap = os.path.join(folder, "snapshots", commit.id)
			if not os.path.isdir(snap):
				self.bad(snap, f"missing snapshot of '{rev}'")
				continue
			want = set(hubrepo.filter_paths(sorted(commit.files), include, exclude))
			have = set()
			for dp, dns, fns in os.walk(snap):
				for fn in fns:
					have.add(os.path.relpath(os.path.join(dp, fn), snap).replace(os.sep, "/"))
			for p in sorted(have - want):
				self.bad(os.path.join(snap, p), "not a file of the fixture at this revision")
			for p in sorted(want):
				fe = commit.files[p]
				sp = os.path.join(snap, *p.split("/"))
				if p not in have:
					self.bad(sp, "missing")
					continue
				if os.path.islink(sp):
					blob = os.path.basename(os.readlink(sp))
					if blob != fe.etag:
						kind = "sha256 (LFS)" if fe.lfs else "git blob sha1"
						self.bad(sp, f"points to blob {blob}, expected {fe.etag} ({kind})")
				try:
					with open(sp, "rb") as f:
						data = f.read()
				except OSError as e:
					self.bad(sp, f"cannot read: {e.strerror}")
					continue
				if data != fe.read():
					self.bad(sp, "bytes differ from the fixture")


def main(argv):
	ap = argparse.ArgumentParser(prog="hub-cache-check.py",
				     description="check a Hugging Face hub cache directory")
	ap.add_argument("cache")
	ap.add_argument("--repo", help="compare this repo with the fake Hub fixture")
	ap.add_argument("--type", choices=("model", "dataset", "space"), default="model")
	ap.add_argument("--revision", action="append", default=[])
	ap.add_argument("--include", action="append", default=[])
	ap.add_argument("--exclude", action="append", default=[])
	ap.add_argument("--fixtures", default=os.path.join(HERE, "..", "fixtures", "hub"))
	ap.add_argument("--allow-copies", action="store_true",
			help="accept regular files in snapshots (huggingface_hub's no-symlink mode)")
	ap.add_argument("-q", "--quiet", action="store_true")
	args = ap.parse_args(argv[1:])
	if not os.path.isdir(args.cache):
		sys.stderr.write(f"hub-cache-check: '{args.cache}' is not a directory\n")
		return 2
	cache = os.path.abspath(args.cache)
	ck = Checker(cache, args.allow_copies)
	folders = sorted(n for n in os.listdir(cache)
			 if not n.startswith(".") and n != "CACHEDIR.TAG" and
			 os.path.isdir(os.path.join(cache, n)))
	for n in folders:
		ck.check_folder(os.path.join(cache, n))
	if args.repo:
		try:
			hub = hubrepo.Hub(args.fixtures)
		except (OSError, ValueError, KeyError, hubrepo.RepoError) as e:
			sys.stderr.write(f"hub-cache-check: cannot load fixtures '{args.fixtures}': {e}\n")
			return 2
		repo = hub.get(args.type, args.repo)
		if repo is None:
			sys.stderr.write(f"hub-cache-check: no fixture {args.type} '{args.repo}'\n")
			return 2
		ck.check_fixture(repo, args.revision or ["main"], args.include, args.exclude)
	for p in ck.problems:
		sys.stderr.write(f"hub-cache-check: {p}\n")
	if ck.problems:
		sys.stderr.write(f"hub-cache-check: {len(ck.problems)} problem(s)\n")
		return 1
	if not args.quiet:
		print(f"hub-cache-check: ok: {len(folders)} repo folder(s), {ck.files} snapshot file(s)")
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
