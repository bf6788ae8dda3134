#!/usr/bin/env python3
"""Write the fake Hub's fixture repos (fixtures/hub/) deterministically.

    make-hub-fixtures.py [OUTDIR]        (default: fixtures/hub next to this script)

Every byte of fixtures/hub/ comes from this script: to change a fixture, edit
it here, run it, and commit the result. tests/cli/hub-fixtures.sh runs it into
a temporary directory and checks that the committed tree is identical.

Layout (docs/reference/fake-hub.md has the full description):

    <type>s/<repo id>/repo.json               flags, LFS rules, commits, refs
    <type>s/<repo id>/commits/<label>/...     the complete file tree of one commit

Binary files (safetensors, parquet-like, onnx-like) are a few KiB of
pseudo-random but fixed bytes (SHA-256 in counter mode over a seed).
"""

import hashlib
import json
import os
import shutil
import struct
import sys


def stream(seed, n):
	"""n deterministic pseudo-random bytes."""
	out = bytearray()
	i = 0
	while len(out) < n:
		out += hashlib.sha256(f"{seed}:{i}".encode()).digest()
		i += 1
	return bytes(out[:n])


def floats(seed, count):
	raw = stream(seed, count * 2)
	vals = []
	for i in range(count):
		v = int.from_bytes(raw[2 * i:2 * i + 2], "little")
		vals.append(((v % 2001) - 1000) / 1000.0)
	return struct.pack("<%df" % count, *vals)


def safetensors(seed, tensors, metadata=None):
	"""A valid safetensors file: u64 header length, JSON header, F32 data."""
	header = {"__metadata__": metadata or {"format": "pt"}}
	data = bytearray()
	for name, shape in tensors:
		count = 1
		for d in shape:
			count *= d
		blob = floats(f"{seed}/{name}", count)
		header[name] = {"dtype": "F32", "shape": list(shape),
				"data_offsets": [len(data), len(data) + len(blob)]}
		data += blob
	h = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
	h += b" " * ((8 - len(h) % 8) % 8)
	return struct.pack("<Q", len(h)) + h + bytes(data)


def jdump(obj):
	return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "movie", "film", "is",
	 "was", "good", "bad", "great", "awful", "not", "very", "and", "but", "it", "i",
	 "loved", "hated", "fun", "boring", "plot", "acting", ".", ",", "!", "##s", "##ly"]


def tokenizer_json(vocab):
	return jdump({
		"version": "1.0",
		"truncation": None,
		"padding": None,
		"added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False,
				  "rstrip": False, "normalized": False, "special": True}
				 for i, t in enumerate(vocab[:5])],
		"normalizer": {"type": "BertNormalizer", "clean_text": True,
			       "handle_chinese_chars": True, "strip_accents": None,
			       "lowercase": True},
		"pre_tokenizer": {"type": "BertPreTokenizer"},
		"post_processor": {"type": "TemplateProcessing",
				   "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
					      {"Sequence": {"id": "A", "type_id": 0}},
					      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
				   "pair": [],
				   "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
						      "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
		"decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
		"model": {"type": "WordPiece", "unk_token": "[UNK]",
			  "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
			  "vocab": {t: i for i, t in enumerate(vocab)}},
	})


def bert_config(hidden, layers, extra=None):
	c = {"architectures": ["BertForSequenceClassification"], "model_type": "bert",
	     "vocab_size": len(VOCAB), "hidden_size": hidden, "num_hidden_layers": layers,
	     "num_attention_heads": 2, "intermediate_size": hidden * 2,
	     "max_position_embeddings": 16, "type_vocab_size": 2,
	     "hidden_act": "gelu", "layer_norm_eps": 1e-12, "pad_token_id": 0,
	     "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
	     "label2id": {"NEGATIVE": 0, "POSITIVE": 1},
	     "torch_dtype": "float32", "transformers_version": "4.44.0"}
	c.update(extra or {})
	return jdump(c)


def bert_tensors(hidden, layers):
	t = [("bert.embeddings.word_embeddings.weight", (len(VOCAB), hidden)),
	     ("bert.embeddings.position_embeddings.weight", (16, hidden)),
	     ("bert.embeddings.token_type_embeddings.weight", (2, hidden)),
	     ("bert.embeddings.LayerNorm.weight", (hidden,)),
	     ("bert.embeddings.LayerNorm.bias", (hidden,))]
	for i in range(layers):
		p = f"bert.encoder.layer.{i}."
		t += [(p + "attention.self.query.weight", (hidden, hidden)),
		      (p + "attention.self.key.weight", (hidden, hidden)),
		      (p + "attention.self.value.weight", (hidden, hidden)),
		      (p + "output.dense.weight", (hidden, hidden))]
	t += [("classifier.weight", (2, hidden)), ("classifier.bias", (2,))]
	return t


def card(title, body, meta):
	lines = ["---"] + meta + ["---", "", f"# {title}", "", body, ""]
	return "\n".join(lines).encode()


def tiny_bert():
	v1 = {
		"config.json": bert_config(4, 1),
		"model.safetensors": safetensors("tiny-bert-v1", bert_tensors(4, 1)),
		"tokenizer.json": tokenizer_json(VOCAB),
		"vocab.txt": ("\n".join(VOCAB) + "\n").encode(),
		"README.md": card("tiny-bert", "A tiny BERT-like test model (first release).",
				  ["license: apache-2.0", "pipeline_tag: text-classification"]),
	}
	v2 = dict(v1)
	v2.update({
		"config.json": bert_config(8, 1),
		"model.safetensors": safetensors("tiny-bert-v2", bert_tensors(8, 1)),
		"tokenizer_config.json": jdump({"do_lower_case": True, "model_max_length": 16,
						"tokenizer_class": "BertTokenizer",
						"cls_token": "[CLS]", "sep_token": "[SEP]",
						"pad_token": "[PAD]", "unk_token": "[UNK]",
						"mask_token": "[MASK]"}),
		"special_tokens_map.json": jdump({"cls_token": "[CLS]", "mask_token": "[MASK]",
						  "pad_token": "[PAD]", "sep_token": "[SEP]",
						  "unk_token": "[UNK]"}),
		"README.md": card("tiny-bert", "A tiny BERT-like test model for airlock.",
				  ["license: apache-2.0", "pipeline_tag: text-classification"]),
	})
	pr = dict(v2)
	pr["README.md"] = card("tiny-bert", "A tiny BERT-like test model for airlock.\n\n"
			       "Proposed change from pull request 1.",
			       ["license: apache-2.0", "pipeline_tag: text-classification"])
	repo = {
		"description": "single-file BERT-like model, three commits, tag v1.0, refs/pr/1",
		"lfs": {"patterns": ["*.safetensors", "*.bin"]},
		"aliases": ["tiny-org/old-tiny-bert"],
		"info": {"pipeline_tag": "text-classification", "library_name": "transformers",
			 "tags": ["transformers", "safetensors", "bert", "text-classification"]},
		"commits": [
			{"label": "v1", "parent": None, "title": "Initial release",
			 "date": "2024-01-02T10:00:00.000Z"},
			{"label": "v2", "parent": "v1", "title": "Wider model, full tokenizer files",
			 "date": "2024-02-03T11:00:00.000Z"},
			{"label": "pr1", "parent": "v2", "title": "Update README.md",
			 "date": "2024-03-04T12:00:00.000Z"},
		],
		"refs": {"branches": {"main": "v2"}, "tags": {"v1.0": "v1"},
			 "pulls": {"1": "pr1"}},
	}
	return repo, {"v1": v1, "v2": v2, "pr1": pr}


def sharded():
	t = bert_tensors(8, 2)
	half = len(t) // 2
	shards = [t[:half], t[half:]]
	files = {}
	weight_map = {}
	total = 0
	for i, part in enumerate(shards, 1):
		name = f"model-{i:05d}-of-{len(shards):05d}.safetensors"
		files[name] = safetensors(f"sharded-{i}", part)
		for n, shape in part:
			weight_map[n] = name
			c = 1
			for d in shape:
				c *= d
			total += 4 * c
	files["model.safetensors.index.json"] = jdump({"metadata": {"total_size": total},
						       "weight_map": weight_map})
	files["config.json"] = bert_config(8, 2)
	files["onnx/model.onnx"] = b"\x08\x07\x12\x07airlock" + stream("sharded-onnx", 1500)
	files["README.md"] = card("sharded", "Sharded safetensors plus an ONNX export in onnx/.",
				  ["license: mit"])
	repo = {
		"description": "two safetensors shards with an index, a file in a subfolder",
		"lfs": {"patterns": ["*.safetensors", "*.onnx"]},
		"info": {"library_name": "transformers", "tags": ["transformers", "onnx"]},
		"commits": [{"label": "c1", "parent": None, "title": "Add sharded weights",
			     "date": "2024-04-05T09:30:00.000Z"}],
		"refs": {"branches": {"main": "c1"}},
	}
	return repo, {"c1": files}


def tiny_sst2():
	rows = [("i loved the movie .", 1), ("the plot was boring", 0), ("great acting !", 1),
		("awful , not fun", 0), ("a very good film", 1)]
	csv = "sentence,label\n" + "".join(f'"{s}",{label}\n' for s, label in rows)
	body = "".join(f"{s}\t{label}\n" for s, label in rows).encode()
	parquet = b"PAR1" + body + stream("sst2-train", 900) + struct.pack("<I", 900) + b"PAR1"
	files = {
		"README.md": card("tiny-sst2", "Five sentences with sentiment labels.",
				  ["license: cc-by-4.0", "task_categories:", "- text-classification",
				   "configs:", "- config_name: default", "  data_files:",
				   "  - split: train", "    path: data/train-*"]),
		"data/train-00000-of-00001.parquet": parquet,
		"data/validation.csv": csv.encode(),
	}
	repo = {
		"description": "dataset: a parquet-like LFS file and a CSV",
		"lfs": {"patterns": ["*.parquet"]},
		"info": {"tags": ["task_categories:text-classification"]},
		"commits": [{"label": "c1", "parent": None, "title": "Upload dataset",
			     "date": "2024-05-06T08:00:00.000Z"}],
		"refs": {"branches": {"main": "c1"}},
	}
	return repo, {"c1": files}


def gated():
	files = {
		"config.json": bert_config(4, 1),
		"model.safetensors": safetensors("gated", bert_tensors(4, 1)[:3]),
		"README.md": card("gated-model", "You must accept the conditions to access it.",
				  ["license: other", "extra_gated_prompt: Agree to the terms."]),
	}
	repo = {
		"description": "gated (manual): metadata public, files need hf_test_token",
		"gated": "manual",
		"lfs": {"patterns": ["*.safetensors"]},
		"commits": [{"label": "c1", "parent": None, "title": "Gated upload",
			     "date": "2024-06-07T07:00:00.000Z"}],
		"refs": {"branches": {"main": "c1"}},
	}
	return repo, {"c1": files}


def private():
	files = {
		"config.json": jdump({"model_type": "secret", "hidden_size": 4}),
		"weights.bin": stream("private-weights", 1200),
		"README.md": card("secret", "A private repo: only hf_test_token sees it.", []),
	}
	repo = {
		"description": "private: 401 RepoNotFound without token, 404 with a token lacking access",
		"private": True,
		"lfs": {"patterns": ["*.bin"]},
		"commits": [{"label": "c1", "parent": None, "title": "Private upload",
			     "date": "2024-07-08T06:00:00.000Z"}],
		"refs": {"branches": {"main": "c1"}},
	}
	return repo, {"c1": files}


def odd_names():
	files = {
		"README.md": card("odd-names", "File names that need percent-encoding.", []),
		"docs/read me é.txt": "Un fichier avec une espace et un accent : é.\n".encode(),
		"docs/a+b=c&d.txt": b"plus, equals and ampersand\n",
		"nested/deeper/still/leaf.json": jdump({"depth": 4}),
		"big-text.txt": b"".join(b"line %04d of a text file above the LFS size threshold\n"
					 % i for i in range(40)),
	}
	repo = {
		"description": "names with space, non-ASCII and reserved characters; deep paths; "
			       "LFS chosen by size threshold",
		"lfs": {"min_size": 1024},
		"commits": [{"label": "c1", "parent": None, "title": "Odd names",
			     "date": "2024-08-09T05:00:00.000Z"}],
		"refs": {"branches": {"main": "c1"}},
	}
	return repo, {"c1": files}


def empty_file():
	files = {"README.md": card("empty-file", "Holds a zero-byte file.", []),
		 "pkg/__init__.py": b""}
	repo = {
		"description": "a zero-byte file (Range requests on it answer 416; the JS client "
			       "cannot fetch it)",
		"lfs": {"patterns": []},
		"commits": [{"label": "c1", "parent": None, "title": "Empty file",
			     "date": "2024-08-10T05:00:00.000Z"}],
		"refs": {"branches": {"main": "c1"}},
	}
	return repo, {"c1": files}


def legacy():
	files = {"config.json": jdump({"model_type": "gpt2", "n_embd": 4, "n_layer": 1}),
		 "README.md": card("tiny-legacy", "A repo id without a namespace, like gpt2.", [])}
	repo = {
		"description": "legacy repo id without an organisation (models--tiny-legacy)",
		"lfs": {"patterns": []},
		"commits": [{"label": "c1", "parent": None, "title": "Legacy",
			     "date": "2020-01-01T00:00:00.000Z"}],
		"refs": {"branches": {"main": "c1"}},
	}
	return repo, {"c1": files}


def disabled():
	files = {"README.md": card("disabled-model", "Disabled by the Hub staff.", [])}
	repo = {
		"description": "disabled: every request answers 403 'Access to this resource is disabled.'",
		"disabled": True,
		"lfs": {"patterns": []},
		"commits": [{"label": "c1", "parent": None, "title": "Upload",
			     "date": "2024-09-10T04:00:00.000Z"}],
		"refs": {"branches": {"main": "c1"}},
	}
	return repo, {"c1": files}


REPOS = {
	"models/tiny-org/tiny-bert": tiny_bert,
	"models/tiny-org/sharded": sharded,
	"models/tiny-org/odd-names": odd_names,
	"models/tiny-org/empty-file": empty_file,
	"models/tiny-org/disabled-model": disabled,
	"models/tiny-legacy": legacy,
	"models/gated-org/gated-model": gated,
	"models/private-org/secret": private,
	"datasets/tiny-org/tiny-sst2": tiny_sst2,
}


def main(argv):
	here = os.path.dirname(os.path.abspath(__file__))
	out = argv[1] if len(argv) > 1 else os.path.join(here, "..", "fixtures", "hub")
	if len(argv) > 2:
		sys.stderr.write("usage: make-hub-fixtures.py [OUTDIR]\n")
		return 2
	for rel, fn in REPOS.items():
		repo, trees = fn()
		d = os.path.join(out, rel)
		if os.path.isdir(d):
			shutil.rmtree(d)
		for label, files in trees.items():
			for path, data in files.items():
				p = os.path.join(d, "commits", label, path)
				os.makedirs(os.path.dirname(p), exist_ok=True)
				with open(p, "wb") as f:
					f.write(data)
		with open(os.path.join(d, "repo.json"), "wb") as f:
			f.write(jdump(repo))
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
