/*
 * pep440.c: PEP 440 versions and specifiers, matching pypa/packaging 26.x.
 *
 * Parsing is one greedy left-to-right scan that follows packaging's regular
 * expression (whose groups are possessive, so greedy is exact). The same
 * scanner, with flags, checks specifier versions (wildcards only after ==
 * and !=, locals only after == and !=, two release segments for ~=) and
 * finds the end of a specifier inside a requirement string.
 *
 * Matching follows packaging's interval engine (_ranges.py), written as
 * direct predicates so that nothing is allocated:
 *   ==V      public(P) == V            (V with a local: P == V exactly)
 *   ==V.*    same epoch, and P's release padded with zeros starts with V's
 *   <=V, >=V public(P) compared with V
 *   <V       P < V.dev0 (P < V when V is a pre-release)
 *   >V       P > V, and P is not V+local; unless V has a post or dev part,
 *            P is also not one of V's post-releases (same release and pre)
 *   ~=V      P >= V and ==prefix.* where prefix drops V's last release part
 *   ===S     case-insensitive equality with the string as given
 * != is the negation of ==.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "pypa/pep440.h"

#define SMALL_DIGITS 19 /* 10^19 - 1 fits in a uint64_t */

static const struct al_vnum zero_num;

/* ---- characters ------------------------------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c);
}

static bool is_sep(char c)
{
	return c == '.' || c == '_' || c == '-';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t al_uws_at(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	if (!len)
		return 0;
	if ((s[0] >= 0x09 && s[0] <= 0x0d) || (s[0] >= 0x1c && s[0] <= 0x20))
		return 1;
	if (len >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (len < 3)
		return 0;
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3; /* U+1680 */
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3; /* U+2000..200A, 2028, 2029, 202F */
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3; /* U+205F */
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3; /* U+3000 */
	return 0;
}

/* Is there a whitespace character ending exactly at s + len? */
static size_t uws_before(const char *s, size_t len)
{
	size_t k;

	for (k = 1; k <= 3 && k <= len; k++) {
		/* find the lead byte of the last character */
		if (((unsigned char)s[len - k] & 0xc0) == 0x80)
			continue;
		return al_uws_at(s + len - k, k) == k ? k : 0;
	}
	return 0;
}

void al_uws_trim(const char **s, size_t *len)
{
	size_t k;

	while ((k = al_uws_at(*s, *len))) {
		*s += k;
		*len -= k;
	}
	while ((k = uws_before(*s, *len)))
		*len -= k;
}

void al_pep_quote(char *out, size_t outsz, const char *s, size_t len)
{
	size_t o = 0, i, shown = 0;

	if (!outsz)
		return;
	for (i = 0; i < len && o + 8 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (shown == 60) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, outsz - o, "\\x%02x", c);
			o += 4;
		}
		shown++;
	}
	out[o] = '\0';
}

/* ---- numbers ---------------------------------------------------------- */

static void num_set(struct al_vnum *n, const char *digits, size_t len)
{
	size_t i;

	while (len && *digits == '0') {
		digits++;
		len--;
	}
	n->n = 0;
	n->big = NULL;
	n->nbig = 0;
	if (len > SMALL_DIGITS) {
		n->big = digits;
		n->nbig = (uint32_t)len;
		return;
	}
	for (i = 0; i < len; i++)
		n->n = n->n * 10 + (uint64_t)(digits[i] - '0');
}

static int num_cmp(const struct al_vnum *a, const struct al_vnum *b)
{
	int c;

	if (!a->big != !b->big)
		return a->big ? 1 : -1;
	if (!a->big)
		return a->n < b->n ? -1 : a->n > b->n;
	if (a->nbig != b->nbig)
		return a->nbig < b->nbig ? -1 : 1;
	c = memcmp(a->big, b->big, a->nbig);
	return (c > 0) - (c < 0);
}

static bool num_is_zero(const struct al_vnum *n)
{
	return !n->big && n->n == 0;
}

/* The digits by hand, not "%llu": printf's machinery was most of the cost
 * of a version string, and the resolver makes one per version of each page
 * (thousands for some projects) for every target. */
static al_err num_str(const struct al_vnum *n, struct al_buf *out)
{
	char digits[20]; /* UINT64_MAX has 20 */
	size_t k = sizeof(digits);
	uint64_t v = n->n;

	if (n->big)
		return al_buf_add(out, n->big, n->nbig);
	do {
		digits[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return al_buf_add(out, digits + k, sizeof(digits) - k);
}

/* ---- the scanner -------------------------------------------------------- */

#define SCAN_LOCAL 0x1    /* allow +local */
#define SCAN_WILDCARD 0x2 /* allow .* right after the release */
#define SCAN_MIN2 0x4     /* the release needs two or more parts */

struct vparts {
	bool has_epoch;
	size_t epoch_off, epoch_len;
	size_t rel_off, rel_len, nrel;
	enum al_pre_kind pre;
	size_t pre_off, pre_len;
	bool post;
	size_t post_off, post_len;
	bool dev;
	size_t dev_off, dev_len;
	bool local;
	size_t local_off, local_len;
	bool wildcard;
};

static size_t skip_digits(const char *s, size_t i, size_t len)
{
	while (i < len && is_digit(s[i]))
		i++;
	return i;
}

/* Case-insensitive match of word at s[i..len); its length or 0. */
static size_t match_word(const char *s, size_t i, size_t len, const char *word)
{
	size_t n = strlen(word), k;

	if (len - i < n)
		return 0;
	for (k = 0; k < n; k++)
		if (ascii_lower(s[i + k]) != word[k])
			return 0;
	return n;
}

static size_t match_pre_label(const char *s, size_t i, size_t len, enum al_pre_kind *kind)
{
	static const struct {
		const char *word;
		enum al_pre_kind kind;
	} labels[] = {
		{ "alpha", AL_PRE_A }, { "a", AL_PRE_A },         { "beta", AL_PRE_B },
		{ "b", AL_PRE_B },     { "preview", AL_PRE_RC },  { "pre", AL_PRE_RC },
		{ "c", AL_PRE_RC },    { "rc", AL_PRE_RC },
	};
	size_t k, n;

	for (k = 0; k < sizeof(labels) / sizeof(labels[0]); k++) {
		if ((n = match_word(s, i, len, labels[k].word))) {
			*kind = labels[k].kind;
			return n;
		}
	}
	return 0;
}

static size_t match_post_label(const char *s, size_t i, size_t len)
{
	size_t n;

	if ((n = match_word(s, i, len, "post")) || (n = match_word(s, i, len, "rev")) ||
	    (n = match_word(s, i, len, "r")))
		return n;
	return 0;
}

/* Scan a version at the start of s; returns the length matched (0: none).
 * Over 80 lines: one pass over the string in the order of PEP 440's grammar (epoch,
 * release, pre, post, dev, local); split, each part would need the cursor
 * and the flags passed back and forth.
 */
static size_t scan_version(const char *s, size_t len, unsigned flags, struct vparts *p)
{
	size_t i = 0, j, k;

	memset(p, 0, sizeof(*p));
	if (i < len && (s[i] == 'v' || s[i] == 'V'))
		i++;
	j = skip_digits(s, i, len);
	if (j > i && j < len && s[j] == '!') {
		p->has_epoch = true;
		p->epoch_off = i;
		p->epoch_len = j - i;
		i = j + 1;
	}
	j = skip_digits(s, i, len);
	if (j == i && p->has_epoch) {
		/* "1!" without a release: the digits were the release after all
		 * (a prefix scan stops at the '!'; a full match fails there) */
		p->has_epoch = false;
		i = p->epoch_off;
		j = skip_digits(s, i, len);
	}
	if (j == i)
		return 0;
	p->rel_off = i;
	p->nrel = 1;
	i = j;
	while (i + 1 < len && s[i] == '.' && is_digit(s[i + 1])) {
		i = skip_digits(s, i + 1, len);
		p->nrel++;
	}
	p->rel_len = i - p->rel_off;
	if ((flags & SCAN_MIN2) && p->nrel < 2)
		return 0;
	if ((flags & SCAN_WILDCARD) && i + 1 < len && s[i] == '.' && s[i + 1] == '*') {
		p->wildcard = true;
		return i + 2;
	}

	/* pre-release: [._-]? label [._-]? digits? */
	j = i;
	if (j < len && is_sep(s[j]))
		j++;
	if ((k = match_pre_label(s, j, len, &p->pre))) {
		j += k;
		if (j < len && is_sep(s[j]))
			j++;
		p->pre_off = j;
		j = skip_digits(s, j, len);
		p->pre_len = j - p->pre_off;
		i = j;
	}

	/* post-release: -digits | [._-]? label [._-]? digits? */
	if (i + 1 < len && s[i] == '-' && is_digit(s[i + 1])) {
		p->post = true;
		p->post_off = i + 1;
		i = skip_digits(s, i + 1, len);
		p->post_len = i - p->post_off;
	} else {
		j = i;
		if (j < len && is_sep(s[j]))
			j++;
		if ((k = match_post_label(s, j, len))) {
			j += k;
			if (j < len && is_sep(s[j]))
				j++;
			p->post = true;
			p->post_off = j;
			j = skip_digits(s, j, len);
			p->post_len = j - p->post_off;
			i = j;
		}
	}

	/* dev-release: [._-]? dev [._-]? digits? */
	j = i;
	if (j < len && is_sep(s[j]))
		j++;
	if ((k = match_word(s, j, len, "dev"))) {
		j += k;
		if (j < len && is_sep(s[j]))
			j++;
		p->dev = true;
		p->dev_off = j;
		j = skip_digits(s, j, len);
		p->dev_len = j - p->dev_off;
		i = j;
	}

	/* local: + [a-z0-9]+ ([._-][a-z0-9]+)* */
	if ((flags & SCAN_LOCAL) && i + 1 < len && s[i] == '+' &&
	    is_lower_alnum(ascii_lower(s[i + 1]))) {
		j = i + 1;
		while (j < len && is_lower_alnum(ascii_lower(s[j])))
			j++;
		while (j + 1 < len && is_sep(s[j]) && is_lower_alnum(ascii_lower(s[j + 1]))) {
			j++;
			while (j < len && is_lower_alnum(ascii_lower(s[j])))
				j++;
		}
		p->local = true;
		p->local_off = i + 1;
		p->local_len = j - i - 1;
		i = j;
	}
	return i;
}

/* ---- versions ------------------------------------------------------------ */

void al_version_release(struct al_version *v)
{
	if (!v)
		return;
	al_free(v->text);
	al_free(v->release);
	al_free(v->local);
	memset(v, 0, sizeof(*v));
}

/* Fill v from the parts scanned in v->lower. */
static al_err version_build(struct al_version *v, const struct vparts *p)
{
	const char *s = v->lower;
	size_t i, start, n;

	if (p->has_epoch)
		num_set(&v->epoch, s + p->epoch_off, p->epoch_len);
	v->release = al_reallocarray(NULL, p->nrel, sizeof(*v->release));
	if (!v->release)
		return AL_ENOMEM;
	v->nrelease = p->nrel;
	start = p->rel_off;
	n = 0;
	for (i = p->rel_off; i <= p->rel_off + p->rel_len; i++) {
		if (i == p->rel_off + p->rel_len || s[i] == '.') {
			num_set(&v->release[n++], s + start, i - start);
			start = i + 1;
		}
	}
	v->pre = p->pre;
	if (p->pre)
		num_set(&v->pre_n, s + p->pre_off, p->pre_len);
	v->has_post = p->post;
	if (p->post)
		num_set(&v->post, s + p->post_off, p->post_len);
	v->has_dev = p->dev;
	if (p->dev)
		num_set(&v->dev, s + p->dev_off, p->dev_len);
	if (p->local) {
		const char *l = s + p->local_off;

		n = 1;
		for (i = 0; i < p->local_len; i++)
			if (is_sep(l[i]))
				n++;
		v->local = al_calloc(n, sizeof(*v->local));
		if (!v->local)
			return AL_ENOMEM;
		v->nlocal = n;
		n = 0;
		start = 0;
		for (i = 0; i <= p->local_len; i++) {
			if (i == p->local_len || is_sep(l[i])) {
				struct al_vlocal *seg = &v->local[n++];
				size_t k;
				bool numeric = true;

				seg->str = l + start;
				seg->len = (uint32_t)(i - start);
				for (k = start; k < i; k++)
					if (!is_digit(l[k]))
						numeric = false;
				seg->numeric = numeric;
				if (numeric)
					num_set(&seg->num, l + start, i - start);
				start = i + 1;
			}
		}
	}
	return AL_OK;
}

static al_err version_parse_n(struct al_version *v, const char *s, size_t len,
                              struct al_diag *d)
{
	char q[AL_QUOTE_MAX];
	struct vparts p;
	const char *t = s;
	size_t tlen = len, i, m;
	al_err err;

	memset(v, 0, sizeof(*v));
	if (len > AL_VERSION_MAX_LEN)
		return al_diag_set(d, AL_ELIMIT, "version too long (%zu bytes, at most %d)", len,
		                   AL_VERSION_MAX_LEN);
	if (memchr(s, '\0', len)) {
		al_pep_quote(q, sizeof(q), s, len);
		return al_diag_set(d, AL_EPARSE, "invalid version '%s': contains a NUL byte", q);
	}
	v->text = al_malloc(2 * len + 2);
	if (!v->text)
		return al_oom(d);
	memcpy(v->text, s, len);
	v->text[len] = '\0';
	al_uws_trim(&t, &tlen);
	v->lower = v->text + len + 1;
	for (i = 0; i < tlen; i++)
		v->lower[i] = ascii_lower(t[i]);
	v->lower[tlen] = '\0';
	m = scan_version(v->lower, tlen, SCAN_LOCAL, &p);
	if (!m || m != tlen) {
		al_pep_quote(q, sizeof(q), s, len);
		if (!tlen)
			err = al_diag_set(d, AL_EPARSE, "invalid version '%s': empty", q);
		else if (!m)
			err = al_diag_set(d, AL_EPARSE,
			                  "invalid version '%s': expected a release number", q);
		else
			err = al_diag_set(d, AL_EPARSE, "invalid version '%s': unexpected '%c' "
			                  "at column %zu", q, t[m] >= 0x20 && t[m] < 0x7f ? t[m] : '?',
			                  (size_t)(t - s) + m + 1);
		al_version_release(v);
		return err;
	}
	if ((err = version_build(v, &p))) {
		al_version_release(v);
		return al_oom(d);
	}
	return AL_OK;
}

al_err al_version_parse(struct al_version *v, const char *s, struct al_diag *d)
{
	return version_parse_n(v, s, strlen(s), d);
}

bool al_version_is_prerelease(const struct al_version *v)
{
	return v->pre != AL_PRE_NONE || v->has_dev;
}

bool al_version_is_postrelease(const struct al_version *v)
{
	return v->has_post;
}

bool al_version_is_devrelease(const struct al_version *v)
{
	return v->has_dev;
}

/* ---- ordering --------------------------------------------------------------- */

static int release_cmp(const struct al_version *a, const struct al_version *b, size_t limit)
{
	size_t i, n = a->nrelease > b->nrelease ? a->nrelease : b->nrelease;
	int c;

	if (n > limit)
		n = limit;
	for (i = 0; i < n; i++) {
		const struct al_vnum *x = i < a->nrelease ? &a->release[i] : &zero_num;
		const struct al_vnum *y = i < b->nrelease ? &b->release[i] : &zero_num;

		if ((c = num_cmp(x, y)))
			return c;
	}
	return 0;
}

/* packaging's _cmpkey suffix: (pre_rank, pre_n, post_rank, post_n, dev_rank,
 * dev_n). force_dev0 treats v as carrying .dev0 (it has no dev part then). */
struct suffix {
	int rank[3];
	const struct al_vnum *num[3];
};

static void suffix_of(const struct al_version *v, bool force_dev0, struct suffix *s)
{
	bool dev = v->has_dev || force_dev0;

	if (v->pre == AL_PRE_NONE && !v->has_post && dev) {
		s->rank[0] = -1;
		s->num[0] = &zero_num;
	} else if (v->pre == AL_PRE_NONE) {
		s->rank[0] = 3;
		s->num[0] = &zero_num;
	} else {
		s->rank[0] = (int)v->pre - 1;
		s->num[0] = &v->pre_n;
	}
	s->rank[1] = v->has_post;
	s->num[1] = v->has_post ? &v->post : &zero_num;
	s->rank[2] = dev ? 0 : 1;
	s->num[2] = v->has_dev ? &v->dev : &zero_num;
}

static int local_cmp(const struct al_version *a, const struct al_version *b)
{
	size_t i, n = a->nlocal < b->nlocal ? a->nlocal : b->nlocal;
	int c;

	if (!a->nlocal || !b->nlocal)
		return (a->nlocal > 0) - (b->nlocal > 0);
	for (i = 0; i < n; i++) {
		const struct al_vlocal *x = &a->local[i], *y = &b->local[i];

		if (x->numeric != y->numeric)
			return x->numeric ? 1 : -1; /* strings sort before numbers */
		if (x->numeric) {
			if ((c = num_cmp(&x->num, &y->num)))
				return c;
			continue;
		}
		c = memcmp(x->str, y->str, x->len < y->len ? x->len : y->len);
		if (c)
			return (c > 0) - (c < 0);
		if (x->len != y->len)
			return x->len < y->len ? -1 : 1;
	}
	return (a->nlocal > b->nlocal) - (a->nlocal < b->nlocal);
}

#define CMP_PUBLIC 0x1  /* ignore local segments */
#define CMP_B_DEV0 0x2  /* b as if it had .dev0 */

static int cmp_flags(const struct al_version *a, const struct al_version *b, unsigned flags)
{
	struct suffix sa, sb;
	int c, k;

	if ((c = num_cmp(&a->epoch, &b->epoch)))
		return c;
	if ((c = release_cmp(a, b, SIZE_MAX)))
		return c;
	suffix_of(a, false, &sa);
	suffix_of(b, flags & CMP_B_DEV0, &sb);
	for (k = 0; k < 3; k++) {
		if (sa.rank[k] != sb.rank[k])
			return sa.rank[k] < sb.rank[k] ? -1 : 1;
		if ((c = num_cmp(sa.num[k], sb.num[k])))
			return c;
	}
	if (flags & CMP_PUBLIC)
		return 0;
	return local_cmp(a, b);
}

int al_version_cmp(const struct al_version *a, const struct al_version *b)
{
	return cmp_flags(a, b, 0);
}

/* ---- strings ----------------------------------------------------------------- */

static al_err base_str(const struct al_version *v, struct al_buf *out)
{
	al_err err = AL_OK;
	size_t i;

	if (!num_is_zero(&v->epoch)) {
		if ((err = num_str(&v->epoch, out)) || (err = al_buf_addch(out, '!')))
			return err;
	}
	for (i = 0; i < v->nrelease && !err; i++) {
		if (i)
			err = al_buf_addch(out, '.');
		if (!err)
			err = num_str(&v->release[i], out);
	}
	return err;
}

al_err al_version_base_str(const struct al_version *v, struct al_buf *out)
{
	return base_str(v, out);
}

al_err al_version_public_str(const struct al_version *v, struct al_buf *out)
{
	static const char *const pre[] = { "", "a", "b", "rc" };
	al_err err;

	if ((err = base_str(v, out)))
		return err;
	if (v->pre && ((err = al_buf_addstr(out, pre[v->pre])) || (err = num_str(&v->pre_n, out))))
		return err;
	if (v->has_post && ((err = al_buf_addstr(out, ".post")) || (err = num_str(&v->post, out))))
		return err;
	if (v->has_dev && ((err = al_buf_addstr(out, ".dev")) || (err = num_str(&v->dev, out))))
		return err;
	return AL_OK;
}

al_err al_version_str(const struct al_version *v, struct al_buf *out)
{
	al_err err;
	size_t i;

	if ((err = al_version_public_str(v, out)))
		return err;
	for (i = 0; i < v->nlocal; i++) {
		const struct al_vlocal *seg = &v->local[i];

		if ((err = al_buf_addch(out, i ? '.' : '+')))
			return err;
		err = seg->numeric ? num_str(&seg->num, out) : al_buf_add(out, seg->str, seg->len);
		if (err)
			return err;
	}
	return AL_OK;
}

/* ---- specifiers ------------------------------------------------------------------ */

static const char *const op_strs[] = {
	[AL_OP_EQ] = "==", [AL_OP_NE] = "!=", [AL_OP_LE] = "<=",     [AL_OP_GE] = ">=",
	[AL_OP_LT] = "<",  [AL_OP_GT] = ">",  [AL_OP_COMPAT] = "~=", [AL_OP_ARBITRARY] = "===",
};

const char *al_spec_op_str(enum al_spec_op op)
{
	return (unsigned)op <= AL_OP_ARBITRARY ? op_strs[op] : "?";
}

/* The operator at s: its length, or 0. */
static size_t scan_op(const char *s, size_t len, enum al_spec_op *op)
{
	static const struct {
		const char *text;
		enum al_spec_op op;
	} ops[] = {
		{ "===", AL_OP_ARBITRARY }, { "==", AL_OP_EQ }, { "!=", AL_OP_NE },
		{ "~=", AL_OP_COMPAT },     { "<=", AL_OP_LE }, { ">=", AL_OP_GE },
		{ "<", AL_OP_LT },          { ">", AL_OP_GT },
	};
	size_t k, n;

	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		n = strlen(ops[k].text);
		if (len >= n && memcmp(s, ops[k].text, n) == 0) {
			*op = ops[k].op;
			return n;
		}
	}
	return 0;
}

static unsigned op_flags(enum al_spec_op op)
{
	switch (op) {
	case AL_OP_EQ:
	case AL_OP_NE:
		return SCAN_LOCAL | SCAN_WILDCARD;
	case AL_OP_COMPAT:
		return SCAN_MIN2;
	default:
		return 0;
	}
}

/* === takes any run of characters but whitespace, ';' and ')'. */
static size_t scan_arbitrary(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] != ';' && s[i] != ')' && !al_uws_at(s + i, len - i))
		i++;
	return i;
}

size_t al_spec_prefix_len(const char *s, size_t len)
{
	enum al_spec_op op;
	struct vparts p;
	size_t i, k, m;

	if (!(i = scan_op(s, len, &op)))
		return 0;
	while ((k = al_uws_at(s + i, len - i)))
		i += k;
	if (op == AL_OP_ARBITRARY)
		return i + scan_arbitrary(s + i, len - i);
	m = scan_version(s + i, len - i, op_flags(op), &p);
	return m ? i + m : 0;
}

void al_spec_release(struct al_spec *sp)
{
	if (!sp)
		return;
	al_free(sp->text);
	al_version_release(&sp->v);
	memset(sp, 0, sizeof(*sp));
}

al_err al_spec_parse(struct al_spec *sp, const char *s, size_t len, struct al_diag *d)
{
	char q[AL_QUOTE_MAX];
	struct vparts p;
	const char *t = s, *ver;
	size_t tlen = len, i, k, vlen, m;
	al_err err;

	memset(sp, 0, sizeof(*sp));
	al_pep_quote(q, sizeof(q), s, len);
	if (len > AL_VERSION_MAX_LEN + 64)
		return al_diag_set(d, AL_ELIMIT, "specifier too long (%zu bytes)", len);
	al_uws_trim(&t, &tlen);
	if (!(i = scan_op(t, tlen, &sp->op)))
		return al_diag_set(d, AL_EPARSE, "invalid specifier '%s': expected an operator "
		                   "(==, !=, <=, >=, <, >, ~=, ===)", q);
	while ((k = al_uws_at(t + i, tlen - i)))
		i += k;
	ver = t + i;
	vlen = tlen - i;
	if (memchr(ver, '\0', vlen))
		return al_diag_set(d, AL_EPARSE, "invalid specifier '%s': contains a NUL byte", q);
	if (sp->op == AL_OP_ARBITRARY) {
		if (scan_arbitrary(ver, vlen) != vlen)
			return al_diag_set(d, AL_EPARSE, "invalid specifier '%s': unexpected "
			                   "character after ===", q);
	} else {
		m = scan_version(ver, vlen, op_flags(sp->op), &p);
		if (!m || m != vlen) {
			struct vparts p2;
			size_t m2 = scan_version(ver, vlen, SCAN_LOCAL | SCAN_WILDCARD, &p2);
			const char *why = "expected a version";

			if (sp->op == AL_OP_COMPAT && scan_version(ver, vlen, 0, &p2) && p2.nrel < 2)
				why = "~= needs a version with at least two release segments";
			else if (m2 == vlen && p2.wildcard)
				why = sp->op == AL_OP_EQ || sp->op == AL_OP_NE
				      ? ".* suffix cannot be used with pre-release, post-release, "
				        "dev or local versions"
				      : ".* suffix can only be used with == or != operators";
			else if (m2 == vlen && p2.local)
				why = "local version label can only be used with == or != operators";
			else if (m && m < vlen && ver[m] == '.' && m + 1 < vlen && ver[m + 1] == '*')
				why = ".* suffix cannot be used with pre-release, post-release, "
				      "dev or local versions";
			else if (m)
				why = "unexpected text after the version";
			return al_diag_set(d, AL_EPARSE, "invalid specifier '%s': %s", q, why);
		}
		sp->wildcard = p.wildcard;
		sp->has_local = p.local;
	}
	sp->text = al_strndup(ver, vlen);
	if (!sp->text)
		return al_oom(d);
	/* === accepts any string; it only has a version when it parses as one. */
	err = version_parse_n(&sp->v, ver, sp->wildcard ? vlen - 2 : vlen, NULL);
	if (err == AL_OK) {
		sp->v_valid = true;
	} else if (err == AL_ENOMEM) {
		al_spec_release(sp);
		return al_oom(d);
	} else if (sp->op != AL_OP_ARBITRARY) {
		al_spec_release(sp);
		return al_diag_set(d, AL_EINTERNAL, "specifier '%s' scanned but did not parse", q);
	}
	return AL_OK;
}

int al_spec_prereleases(const struct al_spec *sp)
{
	if (sp->op == AL_OP_NE)
		return 0;
	if (sp->op == AL_OP_EQ && sp->wildcard)
		return 0;
	if (!sp->v_valid)
		return -1;
	return al_version_is_prerelease(&sp->v);
}

static bool ascii_casecmp_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower(*a) != ascii_lower(*b))
			return false;
	return *a == *b;
}

/* Same epoch, and P's release padded with zeros starts with V's first n. */
static bool prefix_match(const struct al_version *p, const struct al_version *v, size_t n)
{
	if (num_cmp(&p->epoch, &v->epoch))
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct al_vnum *x = i < p->nrelease ? &p->release[i] : &zero_num;

		if (num_cmp(x, &v->release[i]))
			return false;
	}
	return true;
}

/* public(P) == public(V) */
static bool public_eq(const struct al_version *p, const struct al_version *v)
{
	return cmp_flags(p, v, CMP_PUBLIC) == 0;
}

static bool match_eq(const struct al_spec *sp, const struct al_version *p)
{
	if (sp->wildcard)
		return prefix_match(p, &sp->v, sp->v.nrelease);
	if (sp->has_local)
		return al_version_cmp(p, &sp->v) == 0;
	return public_eq(p, &sp->v);
}

bool al_spec_match(const struct al_spec *sp, const struct al_version *p, const char *raw)
{
	const struct al_version *v = &sp->v;

	if (sp->op == AL_OP_ARBITRARY) {
		if (!raw)
			raw = p ? p->text : "";
		return ascii_casecmp_eq(raw, sp->text);
	}
	if (!p)
		return false;
	switch (sp->op) {
	case AL_OP_EQ:
		return match_eq(sp, p);
	case AL_OP_NE:
		return !match_eq(sp, p);
	case AL_OP_LE:
		return cmp_flags(p, v, CMP_PUBLIC) <= 0;
	case AL_OP_GE:
		return cmp_flags(p, v, CMP_PUBLIC) >= 0;
	case AL_OP_LT:
		if (al_version_is_prerelease(v))
			return al_version_cmp(p, v) < 0;
		return cmp_flags(p, v, CMP_B_DEV0) < 0;
	case AL_OP_GT:
		if (al_version_cmp(p, v) <= 0 || public_eq(p, v))
			return false;
		if (v->has_dev || v->has_post)
			return true;
		/* V's post-releases (same release and pre-release) stay out */
		return num_cmp(&p->epoch, &v->epoch) || release_cmp(p, v, SIZE_MAX) ||
		       p->pre != v->pre || (p->pre && num_cmp(&p->pre_n, &v->pre_n));
	case AL_OP_COMPAT:
		return cmp_flags(p, v, CMP_PUBLIC) >= 0 && prefix_match(p, v, v->nrelease - 1);
	case AL_OP_ARBITRARY:
		break;
	}
	return false;
}

void al_specset_release(struct al_specset *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		al_spec_release(&set->specs[i]);
	al_free(set->specs);
	set->specs = NULL;
	set->n = set->alloc = 0;
	set->has_arbitrary = false;
}

al_err al_specset_parse(struct al_specset *set, const char *s, struct al_diag *d)
{
	size_t len = strlen(s), start = 0, i;
	al_err err;

	set->specs = NULL;
	set->n = set->alloc = 0;
	set->has_arbitrary = false;
	if (len > AL_SPECSET_MAX_LEN)
		return al_diag_set(d, AL_ELIMIT, "specifier set too long (%zu bytes)", len);
	for (i = 0; i <= len; i++) {
		const char *t;
		size_t tlen;

		if (i < len && s[i] != ',')
			continue;
		t = s + start;
		tlen = i - start;
		start = i + 1;
		al_uws_trim(&t, &tlen);
		if (!tlen)
			continue;
		if (set->n >= AL_SPECSET_MAX_SPECS) {
			err = al_diag_set(d, AL_ELIMIT, "too many specifiers (at most %d)",
			                  AL_SPECSET_MAX_SPECS);
			goto fail;
		}
		if (AL_GROW(set->specs, set->alloc, set->n + 1)) {
			err = al_oom(d);
			goto fail;
		}
		if ((err = al_spec_parse(&set->specs[set->n], t, tlen, d)))
			goto fail;
		if (set->specs[set->n].op == AL_OP_ARBITRARY)
			set->has_arbitrary = true;
		set->n++;
	}
	return AL_OK;
fail:
	al_specset_release(set);
	return err;
}

/* The byte at index i of op + text (0 past the end). */
static unsigned char spec_char(const struct al_spec *sp, size_t i)
{
	const char *op = al_spec_op_str(sp->op);
	size_t n = strlen(op);

	return (unsigned char)(i < n ? op[i] : sp->text[i - n]);
}

/* strcmp of str(a) and str(b) without building them */
static int spec_strcmp(const struct al_spec *a, const struct al_spec *b)
{
	size_t i;

	for (i = 0;; i++) {
		unsigned char c = spec_char(a, i), e = spec_char(b, i);

		if (c != e || !c)
			return (c > e) - (c < e);
	}
}

/* packaging's Specifier equality: the same operator and the same
 * canonical version (trailing zeros dropped except for ~=; === and .*
 * compare the text as written). */
static bool spec_equal(const struct al_spec *a, const struct al_spec *b)
{
	size_t i;

	if (a->op != b->op)
		return false;
	if (a->op == AL_OP_ARBITRARY || a->wildcard || b->wildcard)
		return strcmp(a->text, b->text) == 0;
	if (al_version_cmp(&a->v, &b->v))
		return false;
	if (a->op != AL_OP_COMPAT)
		return true;
	if (a->v.nrelease != b->v.nrelease)
		return false;
	for (i = 0; i < a->v.nrelease; i++)
		if (num_cmp(&a->v.release[i], &b->v.release[i]))
			return false;
	return true;
}

static int spec_qsort_cmp(const void *a, const void *b)
{
	const struct al_spec *const *x = a, *const *y = b;

	return spec_strcmp(*x, *y);
}

al_err al_specset_str(const struct al_specset *set, struct al_buf *out)
{
	const struct al_spec **sorted = NULL;
	size_t i, written = 0;
	al_err err = AL_OK;

	if (!set->n)
		return AL_OK;
	sorted = al_reallocarray(NULL, set->n, sizeof(*sorted));
	if (!sorted)
		return AL_ENOMEM;
	for (i = 0; i < set->n; i++)
		sorted[i] = &set->specs[i];
	qsort(sorted, set->n, sizeof(*sorted), spec_qsort_cmp);
	for (i = 0; i < set->n && !err; i++) {
		size_t k;

		for (k = 0; k < i; k++)
			if (spec_equal(sorted[k], sorted[i]))
				break;
		if (k < i)
			continue;
		if (written++)
			err = al_buf_addch(out, ',');
		if (!err)
			err = al_buf_addf(out, "%s%s", al_spec_op_str(sorted[i]->op),
			                  sorted[i]->text);
	}
	al_free(sorted);
	return err;
}

int al_specset_prereleases(const struct al_specset *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (al_spec_prereleases(&set->specs[i]) == 1)
			return 1;
	return -1;
}

/* Do all specifiers match, pre-release policy aside? */
static bool all_match(const struct al_specset *set, const struct al_version *v,
                      const char *raw)
{
	size_t i;

	if (!v && set->n && !set->has_arbitrary)
		return false;
	for (i = 0; i < set->n; i++)
		if (!al_spec_match(&set->specs[i], v, raw))
			return false;
	return true;
}

bool al_specset_contains(const struct al_specset *set, const struct al_version *v,
                         int prereleases)
{
	if (prereleases == 0 && al_version_is_prerelease(v))
		return false;
	return all_match(set, v, v->text);
}

al_err al_specset_contains_str(const struct al_specset *set, const char *version,
                               int prereleases, bool *out, struct al_diag *d)
{
	struct al_version v;
	al_err err = al_version_parse(&v, version, NULL);

	*out = false;
	if (err == AL_ENOMEM)
		return al_oom(d);
	if (err == AL_OK)
		*out = al_specset_contains(set, &v, prereleases);
	else
		*out = all_match(set, NULL, version);
	al_version_release(&v);
	return AL_OK;
}

size_t al_specset_filter(const struct al_specset *set, const struct al_version *const *vs,
                         const char *const *raws, size_t n, int prereleases, bool *keep)
{
	bool any_final = false;
	size_t i, count = 0;

	if (prereleases < 0 && al_specset_prereleases(set) == 1)
		prereleases = 1;
	for (i = 0; i < n; i++) {
		const char *raw = raws ? raws[i] : vs[i] ? vs[i]->text : NULL;

		keep[i] = (vs[i] || raw) && all_match(set, vs[i], raw);
		if (keep[i] && vs[i] && !al_version_is_prerelease(vs[i]))
			any_final = true;
	}
	for (i = 0; i < n; i++) {
		if (keep[i] && vs[i] && al_version_is_prerelease(vs[i]) &&
		    (prereleases == 0 || (prereleases < 0 && any_final)))
			keep[i] = false;
		count += keep[i];
	}
	return count;
}
