"""hubrepo: the fake Hub's fixture repos (fixtures/hub/), loaded into memory.

Used by tests/helpers/hubserver.py and scripts/hub-cache-check.py. Standard
library only. The on-disk format is described in docs/reference/fake-hub.md:

    <root>/<type>s/<repo id>/repo.json
    <root>/<type>s/<repo id>/commits/<label>/<path...>   complete tree of a commit

Identifiers are computed, never stored, so they always match the bytes:
  - file oid: git blob SHA-1 of the content; for an LFS file the git blob SHA-1
    of its LFS pointer text (as on the Hub)
  - lfs sha256 / etag of LFS files: SHA-256 of the content
  - commit id: SHA-1 of a canonical text naming the parent id, title, date and
    every "<oid> <path>" line (sorted), so it is 40 hex and deterministic.
"""

import fnmatch
import hashlib
import json
import os
import re

HEX40 = re.compile(r"^[0-9a-f]{40}$")
REPO_TYPES = ("model", "dataset", "space")


def git_blob_sha1(data):
	h = hashlib.sha1()
	h.update(b"blob %d\0" % len(data))
	h.update(data)
	return h.hexdigest()


def lfs_pointer(sha256, size):
	return ("version https://git-lfs.github.com/spec/v1\n"
		f"oid sha256:{sha256}\nsize {size}\n").encode()


class FileEntry:
	"""One file of one commit."""

	def __init__(self, path, disk_path, data, is_lfs):
		self.path = path
		self.disk_path = disk_path
		self.size = len(data)
		self.git_sha1 = git_blob_sha1(data)
		self.sha256 = hashlib.sha256(data).hexdigest()
		self.lfs = is_lfs
		if is_lfs:
			ptr = lfs_pointer(self.sha256, self.size)
			self.oid = git_blob_sha1(ptr)
			self.pointer_size = len(ptr)
		else:
			self.oid = self.git_sha1
			self.pointer_size = None
		self.last_commit = None  # set by Repo

	@property
	def etag(self):
		"""The blob name a client must use: sha256 for LFS, git sha1 otherwise."""
		return self.sha256 if self.lfs else self.git_sha1

	def read(self):
		with open(self.disk_path, "rb") as f:
			return f.read()


class Commit:
	def __init__(self, label, parent, title, date):
		self.label = label
		self.parent = parent  # Commit or None
		self.title = title
		self.date = date
		self.files = {}  # path -> FileEntry
		self.id = None

	def dirs(self):
		"""Every directory path that holds files, e.g. 'a', 'a/b'."""
		out = set()
		for p in self.files:
			parts = p.split("/")[:-1]
			for i in range(1, len(parts) + 1):
				out.add("/".join(parts[:i]))
		return out


class RepoError(Exception):
	pass


def _is_lfs(path, size, rules):
	base = path.rsplit("/", 1)[-1]
	for pat in rules.get("patterns", []):
		if fnmatch.fnmatchcase(base, pat) or fnmatch.fnmatchcase(path, pat):
			return True
	min_size = rules.get("min_size")
	return min_size is not None and size >= min_size


class Repo:
	def __init__(self, rtype, repo_id, directory):
		self.type = rtype
		self.id = repo_id
		self.dir = directory
		with open(os.path.join(directory, "repo.json"), "rb") as f:
			meta = json.load(f)
		self.meta = meta
		self.private = bool(meta.get("private", False))
		self.gated = meta.get("gated", False)
		self.disabled = bool(meta.get("disabled", False))
		self.aliases = list(meta.get("aliases", []))
		self.info = dict(meta.get("info", {}))
		rules = meta.get("lfs", {})
		self.commits = {}  # label -> Commit
		self.by_id = {}    # 40-hex -> Commit
		for c in meta["commits"]:
			parent = self.commits[c["parent"]] if c.get("parent") else None
			commit = Commit(c["label"], parent, c["title"], c["date"])
			root = os.path.join(directory, "commits", c["label"])
			if not os.path.isdir(root):
				raise RepoError(f"{repo_id}: missing commit tree '{root}'")
			for dp, dns, fns in os.walk(root):
				dns.sort()
				for fn in sorted(fns):
					full = os.path.join(dp, fn)
					rel = os.path.relpath(full, root).replace(os.sep, "/")
					with open(full, "rb") as f:
						data = f.read()
					commit.files[rel] = FileEntry(rel, full, data,
								      _is_lfs(rel, len(data), rules))
			self._commit_id(commit)
			for path, fe in commit.files.items():
				prev = parent.files.get(path) if parent else None
				if prev is not None and prev.oid == fe.oid:
					fe.last_commit = prev.last_commit
				else:
					fe.last_commit = commit
			self.commits[commit.label] = commit
			self.by_id[commit.id] = commit
		refs = meta.get("refs", {})
		self.branches = {k: self.commits[v] for k, v in refs.get("branches", {}).items()}
		self.tags = {k: self.commits[v] for k, v in refs.get("tags", {}).items()}
		self.pulls = {str(k): self.commits[v] for k, v in refs.get("pulls", {}).items()}
		if "main" not in self.branches:
			raise RepoError(f"{repo_id}: no 'main' branch")

	def _commit_id(self, commit):
		lines = ["airlock fake hub commit",
			 "parent " + (commit.parent.id if commit.parent else "none"),
			 "title " + commit.title, "date " + commit.date]
		lines += [f"{fe.oid} {p}" for p, fe in sorted(commit.files.items())]
		commit.id = hashlib.sha1(("\n".join(lines) + "\n").encode()).hexdigest()

	@property
	def head(self):
		return self.branches["main"]

	def resolve(self, rev):
		"""Commit for a branch, tag, refs/pr/N, refs/heads|tags/X, HEAD or 40-hex id."""
		if rev is None or rev == "HEAD":
			return self.head
		if rev in self.branches:
			return self.branches[rev]
		if rev in self.tags:
			return self.tags[rev]
		if HEX40.match(rev) and rev in self.by_id:
			return self.by_id[rev]
		m = re.match(r"^refs/(heads|tags|pr)/(.+)$", rev)
		if m:
			table = {"heads": self.branches, "tags": self.tags, "pr": self.pulls}[m.group(1)]
			return table.get(m.group(2))
		return None

	def folder_name(self):
		"""The Hugging Face cache folder name: models--org--name."""
		return "--".join([self.type + "s"] + self.id.split("/"))


def _tree_entry_last(commit, dirpath):
	best = None
	order = _history_index(commit)
	for p, fe in commit.files.items():
		if p.startswith(dirpath + "/"):
			if best is None or order[fe.last_commit.label] > order[best.label]:
				best = fe.last_commit
	return best


def _history_index(commit):
	chain = []
	c = commit
	while c is not None:
		chain.append(c.label)
		c = c.parent
	return {label: len(chain) - i for i, label in enumerate(chain)}


def dir_oid(commit, dirpath):
	"""A stable 40-hex id for a directory (a stand-in for the git tree id)."""
	lines = [f"{fe.oid} {p}" for p, fe in sorted(commit.files.items())
		 if p.startswith(dirpath + "/")]
	return hashlib.sha1(("tree\n" + "\n".join(lines)).encode()).hexdigest()


def dir_last_commit(commit, dirpath):
	return _tree_entry_last(commit, dirpath)


class Hub:
	"""Every repo under a fixture root."""

	def __init__(self, root):
		self.root = root
		self.repos = {}    # (type, id) -> Repo
		self.aliases = {}  # (type, old id) -> Repo
		for rtype in REPO_TYPES:
			base = os.path.join(root, rtype + "s")
			if not os.path.isdir(base):
				continue
			for dp, dns, fns in os.walk(base):
				dns.sort()
				if "repo.json" in fns:
					rid = os.path.relpath(dp, base).replace(os.sep, "/")
					repo = Repo(rtype, rid, dp)
					self.repos[(rtype, rid)] = repo
					for a in repo.aliases:
						self.aliases[(rtype, a)] = repo
					dns[:] = []  # commits/ belongs to the repo

	def get(self, rtype, rid):
		return self.repos.get((rtype, rid))


def hf_pattern_match(path, patterns):
	"""huggingface_hub's filter: fnmatchcase, '*' crosses '/', trailing '/' gets '*'."""
	for p in patterns:
		p = p.replace("\\", "/")
		if p.endswith("/"):
			p += "*"
		if fnmatch.fnmatchcase(path, p):
			return True
	return False


def filter_paths(paths, include=None, exclude=None):
	out = []
	for p in paths:
		if include and not hf_pattern_match(p, include):
			continue
		if exclude and hf_pattern_match(p, exclude):
			continue
		out.append(p)
	return out
