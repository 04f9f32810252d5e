/*
 * gen-yfcc: a fast, deterministic generator of synthetic YFCC100M-format
 * manifest releases, for benchmarking scrapewatch's ingest and diff.
 *
 *   gen-yfcc --rows N --seed S --release 1|2 [--layout 23|25] [--stats]
 *
 * Writes N rows (release 1) or N - 1% + 2% rows (release 2) of YFCC100M's
 * TAB-separated, LF-terminated, header-less layout to stdout: the original
 * 23 fields, or with --layout 25 the 25-field layout of the later
 * distribution (line number, photo id, 32-hex hash, then fields 1..22 -- the
 * real file puts the hash after the photo id, not first).
 *
 * Determinism, so that release 2 never needs release 1's file:
 * - row i of release 1 is a pure function of (seed, N, i): its fields come
 *   from a PRNG stream keyed by (seed, i); N only sets the owner population;
 * - whether row i is missing from release 2 is a pure function of
 *   (seed, N, i): a keyed permutation of [0, N) sends exactly N/100 rows
 *   below the cut;
 * - release 2's new rows (2% of N) come from separate streams keyed by
 *   (seed, j) and are interleaved at positions chosen by a sequential
 *   selection-sampling stream keyed by seed alone.
 * Kept rows are byte-identical in both releases (in the 25-field layout the
 * line number is the row's line in its own file, so it shifts).
 *
 * Photo ids are unique: slot k (i for release-1 rows, 2^31 + j for new rows)
 * goes through a keyed 32-bit bijection, id = 1e9 + 11 * P(k) + (0..10), so
 * ids are spread over [1e9, 4.83e10] in random order. Owners follow a
 * heavy-tailed (Pareto, exponent 1.5) law over about N/67 accounts, which
 * yields about one distinct owner per 70 photos: a few owners hold thousands
 * of rows, most a handful.
 *
 * Build: cc -O2 -o gen-yfcc bench/gen-yfcc.c   (C17, libc only)
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTBUF_SIZE (1u << 20) /* flushed in 1 MiB blocks */
#define ROW_MAX	    8192       /* generous bound on one generated row */
#define NELEM(a)    (sizeof(a) / sizeof((a)[0]))

/* ---- PRNG: splitmix64 streams keyed by (seed, stream, index) ---- */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t next64(struct rng *r)
{
	r->s += UINT64_C(0x9e3779b97f4a7c15);
	return mix64(r->s);
}

static struct rng rng_at(uint64_t seed, uint64_t stream, uint64_t index)
{
	struct rng r = {
		mix64(seed ^ mix64(stream * UINT64_C(0x9e3779b97f4a7c15) ^
				   mix64(index + stream)))};
	return r;
}

/* uniform in [0, n), n < 2^32 */
static uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((next64(r) >> 32) * (uint64_t)n) >> 32);
}

/* true with probability per_mille / 1000 */
static int chance(struct rng *r, uint32_t per_mille)
{
	return below(r, 1000) < per_mille;
}

static double unit(struct rng *r)
{
	return (double)(next64(r) >> 11) * 0x1.0p-53;
}

enum {
	STREAM_ROW = 1, /* release-1 row i */
	STREAM_NEW,	/* release-2 new row j */
	STREAM_OWNER,	/* per-owner attributes */
	STREAM_PLACE,	/* positions of new rows */
	STREAM_KEYS,	/* keys of the bijections */
};

#define NEW_SLOT_BASE (UINT32_C(1) << 31) /* photo-id slots of new rows */

/* ---- bijections ---- */

/* keyed bijection on 32 bits (two rounds of lowbias32) */
static uint32_t perm32(uint32_t x, uint32_t k1, uint32_t k2)
{
	for (int round = 0; round < 2; round++) {
		x ^= round ? k2 : k1;
		x ^= x >> 16;
		x *= UINT32_C(0x7feb352d);
		x ^= x >> 15;
		x *= UINT32_C(0x846ca68b);
		x ^= x >> 16;
	}
	return x;
}

/* keyed bijection on 30 bits, for owner NSID numbers */
static uint32_t perm30(uint32_t x, uint32_t k)
{
	const uint32_t m = (UINT32_C(1) << 30) - 1;
	x = (x ^ k) & m;
	x ^= x >> 15;
	x = (x * UINT32_C(0x2c1b3c6d)) & m;
	x ^= x >> 12;
	x = (x * UINT32_C(0x297a2d39)) & m;
	x ^= x >> 15;
	return x;
}

/* keyed permutation of [0, n) by a 4-round Feistel network on 2*half bits,
   cycle-walking until the value falls inside [0, n) */
struct feistel {
	uint64_t n, keys[4];
	unsigned half;
};

static uint64_t feistel_apply(const struct feistel *f, uint64_t x)
{
	const uint64_t mask = (UINT64_C(1) << f->half) - 1;
	do {
		uint64_t l = x >> f->half, r = x & mask;
		for (int i = 0; i < 4; i++) {
			uint64_t t = l ^ (mix64(r ^ f->keys[i]) & mask);
			l = r;
			r = t;
		}
		x = (l << f->half) | r;
	} while (x >= f->n);
	return x;
}

/* ---- owners: Pareto(1.5) over [0, O) ranks ---- */

struct owners {
	uint64_t count; /* O */
	double q, a, c; /* rank = (a - u*c)^-2 - q */
	uint32_t key;
};

static double sqrt_pos(double v) /* Newton; no libm needed */
{
	if (v <= 0)
		return 0;
	double x = v > 1 ? v : 1;
	for (int i = 0; i < 200; i++) {
		double nx = 0.5 * (x + v / x);
		if (nx >= x) /* decreasing from above until converged */
			break;
		x = nx;
	}
	return x;
}

static void owners_init(struct owners *o, uint64_t rows, uint64_t seed)
{
	o->count = rows * 3 / 200; /* tuned: ~1 distinct owner per 70 rows */
	if (o->count < 1)
		o->count = 1;
	if (o->count > (UINT64_C(1) << 30))
		o->count = UINT64_C(1) << 30;
	o->q = (double)o->count / 500.0;
	if (o->q < 0.5)
		o->q = 0.5;
	o->a = 1.0 / sqrt_pos(o->q);
	o->c = o->a - 1.0 / sqrt_pos((double)o->count + o->q);
	struct rng r = rng_at(seed, STREAM_KEYS, 2);
	o->key = (uint32_t)next64(&r);
}

static uint32_t owner_draw(const struct owners *o, struct rng *r)
{
	double y = o->a - unit(r) * o->c;
	double x = 1.0 / (y * y) - o->q;
	if (!(x >= 0))
		x = 0;
	if (x >= (double)o->count)
		return (uint32_t)(o->count - 1);
	return (uint32_t)x;
}

/* ---- output buffer helpers ---- */

static char *put(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_u_pad(char *p, uint64_t v, int width)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_hex(char *p, struct rng *r, int digits)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t v = 0;
	for (int i = 0; i < digits; i++) {
		if (i % 16 == 0)
			v = next64(r);
		*p++ = hex[v & 15];
		v >>= 4;
	}
	return p;
}

/* fixed-point decimal with 6 places, e.g. -122.419416 */
static char *put_coord(char *p, struct rng *r, uint32_t max_degrees)
{
	uint64_t micro = (uint64_t)below(r, max_degrees * 2000000u);
	if (micro < (uint64_t)max_degrees * 1000000u) {
		*p++ = '-';
		micro = (uint64_t)max_degrees * 1000000u - micro;
	} else {
		micro -= (uint64_t)max_degrees * 1000000u;
	}
	p = put_u64(p, micro / 1000000u);
	*p++ = '.';
	return put_u_pad(p, micro % 1000000u, 6);
}

/* ---- vocabulary (already URL-encoded the way YFCC100M stores text) ---- */

static const char *const words[] = {
	"the",
	"a",
	"of",
	"and",
	"in",
	"at",
	"on",
	"with",
	"my",
	"our",
	"from",
	"to",
	"by",
	"for",
	"is",
	"summer",
	"winter",
	"spring",
	"autumn",
	"trip",
	"holiday",
	"vacation",
	"wedding",
	"birthday",
	"party",
	"family",
	"friends",
	"beach",
	"sunset",
	"sunrise",
	"mountain",
	"lake",
	"river",
	"city",
	"street",
	"night",
	"day",
	"morning",
	"evening",
	"park",
	"garden",
	"flower",
	"flowers",
	"tree",
	"sky",
	"clouds",
	"snow",
	"rain",
	"sea",
	"bridge",
	"church",
	"cathedral",
	"castle",
	"museum",
	"market",
	"festival",
	"concert",
	"parade",
	"portrait",
	"people",
	"dog",
	"cat",
	"bird",
	"horse",
	"baby",
	"kids",
	"girl",
	"boy",
	"mom",
	"dad",
	"old",
	"new",
	"big",
	"little",
	"red",
	"blue",
	"green",
	"yellow",
	"black",
	"white",
	"light",
	"shadow",
	"reflection",
	"view",
	"walk",
	"road",
	"train",
	"station",
	"car",
	"boat",
	"harbour",
	"island",
	"valley",
	"forest",
	"desert",
	"london",
	"paris",
	"berlin",
	"tokyo",
	"new+york",
	"san+francisco",
	"barcelona",
	"amsterdam",
	"roma",
	"istanbul",
	"caf%C3%A9",
	"M%C3%BCnchen",
	"S%C3%A3o+Paulo",
	"Z%C3%BCrich",
	"na%C3%AFve",
	"%E6%9D%B1%E4%BA%AC",
	"%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0",
	"canon",
	"nikon",
	"50mm",
	"hdr",
	"bw",
	"2007",
	"2008",
	"2009",
	"2010",
	"2011",
	"%26",
	"%21",
	"%3F",
	"it%27s",
	"%22best%22",
};

static const char *const devices[] = {
	"Canon+EOS+400D+Digital",
	"Canon+EOS+5D+Mark+II",
	"Canon+PowerShot+SD1000",
	"NIKON+D90",
	"NIKON+D70",
	"NIKON+CORPORATION+NIKON+D300",
	"Apple+iPhone+4",
	"Apple+iPhone+3GS",
	"SONY+DSC-W55",
	"Panasonic+DMC-FZ18",
	"OLYMPUS+IMAGING+CORP.+E-510",
	"FUJIFILM+FinePix+S5600",
	"Nokia+N95",
	"KODAK+EASYSHARE+C743+ZOOM+DIGITAL+CAMERA",
	"PENTAX+Corporation+PENTAX+K10D",
	"samsung+GT-I9100",
};

static const char *const first_names[] = {
	"John",	  "Jane",	"Maria",     "Ahmed", "Wei",   "Olga",
	"Pierre", "Sof%C3%ADa", "Jos%C3%A9", "Anna",  "Kenji", "Fatima",
	"Lars",	  "Chlo%C3%AB", "Mike",	     "Sarah", "David", "Laura",
};

static const char *const last_names[] = {
	"Doe",	  "Smith", "Garc%C3%ADa", "M%C3%BCller", "Chen",   "Ivanova",
	"Dubois", "Rossi", "Tanaka",	  "Okafor",	 "Nguyen", "Brown",
};

static const char *const machine_tags[] = {
	"geo%3Alat%3D",
	"camera%3Amake%3Dcanon",
	"upcoming%3Aevent%3D",
	"foursquare%3Avenue%3D",
	"exif%3Afocal_length%3D50",
	"taxonomy%3Abinomial%3D",
};

static const struct {
	const char *name, *path;
} licences[] = {
	{"Attribution License", "by"},
	{"Attribution-ShareAlike License", "by-sa"},
	{"Attribution-NoDerivs License", "by-nd"},
	{"Attribution-NonCommercial License", "by-nc"},
	{"Attribution-NonCommercial-ShareAlike License", "by-nc-sa"},
	{"Attribution-NonCommercial-NoDerivs License", "by-nc-nd"},
};

static const char *const odd_dates[] = {
	"4501-01-01 00:00:00.0", "1900-01-01 00:00:00.0",
	"1970-01-01 00:00:00.0", "2037-12-31 23:59:59.0",
	"0000-00-00 00:00:00.0", "1111-11-11 11:11:11.0",
};

static const char *pick(struct rng *r, const char *const *list, size_t n)
{
	return list[below(r, (uint32_t)n)];
}

#define PICK(r, list) pick((r), (list), NELEM(list))

static char *put_words(char *p, struct rng *r, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		if (i)
			*p++ = '+';
		p = put(p, PICK(r, words));
	}
	return p;
}

/* unix seconds -> "YYYY-MM-DD HH:MM:SS.0" (civil_from_days, H. Hinnant) */
static char *put_datetime(char *p, int64_t t)
{
	int64_t days = t / 86400, secs = t % 86400;
	days += 719468;
	int64_t era = days / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	p = put_u_pad(p, (uint64_t)y, 4);
	*p++ = '-';
	p = put_u_pad(p, (uint64_t)m, 2);
	*p++ = '-';
	p = put_u_pad(p, (uint64_t)d, 2);
	*p++ = ' ';
	p = put_u_pad(p, (uint64_t)(secs / 3600), 2);
	*p++ = ':';
	p = put_u_pad(p, (uint64_t)(secs / 60 % 60), 2);
	*p++ = ':';
	p = put_u_pad(p, (uint64_t)(secs % 60), 2);
	return put(p, ".0");
}

/* ---- one row ---- */

struct gen {
	uint64_t seed;
	int layout;
	struct owners owners;
	uint32_t id_k1, id_k2;
};

struct owner_info {
	char nsid[24];
	size_t nsid_len;
	char nick[96];
	size_t nick_len;
};

static void owner_info(const struct gen *g, uint32_t rank, struct owner_info *o)
{
	struct rng r = rng_at(g->seed, STREAM_OWNER, rank);
	char *p = o->nsid;
	p = put_u64(p, 10000000u + perm30(rank, g->owners.key));
	p = put(p, "@N");
	static const char *const suffix[] = {"00", "00", "00", "00",
					     "01", "02", "03", "04",
					     "05", "06", "07", "08"};
	p = put(p, PICK(&r, suffix));
	o->nsid_len = (size_t)(p - o->nsid);

	p = o->nick;
	switch (below(&r, 4)) {
	case 0: /* "John+Doe" */
		p = put(p, PICK(&r, first_names));
		*p++ = '+';
		p = put(p, PICK(&r, last_names));
		break;
	case 1: /* "jdoe1975" */
		p = put(p, PICK(&r, last_names));
		p = put_u64(p, 1950 + below(&r, 60));
		break;
	case 2: /* "caf%C3%A9+lover" */
		p = put(p, PICK(&r, words));
		p = put(p, PICK(&r, words));
		break;
	default: /* "Maria" */
		p = put(p, PICK(&r, first_names));
		break;
	}
	o->nick_len = (size_t)(p - o->nick);
}

static char *put_title(char *p, struct rng *r)
{
	uint32_t kind = below(r, 100);
	if (kind < 12) /* empty */
		return p;
	if (kind < 40) { /* camera file name */
		static const char *const pre[] = {"IMG_", "DSC",  "DSC_",
						  "P",	  "DSCF", "100_"};
		p = put(p, PICK(r, pre));
		return put_u_pad(p, below(r, 10000), 4);
	}
	return put_words(p, r, 1 + below(r, 6));
}

static char *put_description(char *p, struct rng *r)
{
	if (!chance(r, 330))
		return p;
	uint32_t n = 3 + below(r, 45);
	for (uint32_t i = 0; i < n; i++) {
		if (i) {
			uint32_t sep = below(r, 100);
			p = put(p, sep < 4 ? "%0A" : sep < 8 ? "%2C+" : "+");
		}
		p = put(p, PICK(r, words));
	}
	if (chance(r, 80)) /* a link, as real descriptions have */
		p = put(p, "+%3Ca+href%3D%22http%3A%2F%2Fwww.example.com%2F%22"
			   "+rel%3D%22nofollow%22%3Ewww.example.com%3C%2Fa%3E");
	return p;
}

static char *put_tags(char *p, struct rng *r)
{
	if (!chance(r, 650))
		return p;
	uint32_t n = 1 + below(r, 16);
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		p = put(p, PICK(r, words));
		if (chance(r, 150)) {
			*p++ = '+';
			p = put(p, PICK(r, words));
		}
	}
	return p;
}

static char *put_machine_tags(char *p, struct rng *r)
{
	if (!chance(r, 60))
		return p;
	uint32_t n = 1 + below(r, 3);
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		p = put(p, PICK(r, machine_tags));
		p = put_u64(p, below(r, 100000));
	}
	return p;
}

/* Writes one row (with its LF) at p; returns the end. `slot` selects the
   photo id, `r` is the row's own stream, `line` is for layout 25. */
static char *put_row(const struct gen *g, char *p, uint32_t slot, struct rng *r,
		     uint64_t line)
{
	uint32_t jitter = below(r, 11);
	uint64_t id = UINT64_C(1000000000) +
		      UINT64_C(11) * perm32(slot, g->id_k1, g->id_k2) + jitter;
	struct owner_info o;
	owner_info(g, owner_draw(&g->owners, r), &o);

	if (g->layout == 25) {
		/* the hash has its own stream so that both layouts carry the
		   same values in every other field */
		struct rng h = {mix64(r->s ^ UINT64_C(0x5bd1e9955bd1e995))};
		p = put_u64(p, line);
		*p++ = '\t';
		p = put_u64(p, id);
		*p++ = '\t';
		p = put_hex(p, &h, 32);
	} else {
		p = put_u64(p, id);
	}
	*p++ = '\t';
	memcpy(p, o.nsid, o.nsid_len);
	p += o.nsid_len;
	*p++ = '\t';
	memcpy(p, o.nick, o.nick_len);
	p += o.nick_len;
	*p++ = '\t';

	/* 3 date taken, 4 date uploaded: 2004-09 .. 2014-06 */
	int64_t uploaded = 1096588800 + (int64_t)below(r, 307000000);
	if (chance(r, 3))
		p = put(p, PICK(r, odd_dates));
	else
		p = put_datetime(p, uploaded - (int64_t)below(r, 90000000));
	*p++ = '\t';
	p = put_u64(p, (uint64_t)uploaded);
	*p++ = '\t';
	/* 5 device */
	if (chance(r, 480))
		p = put(p, PICK(r, devices));
	*p++ = '\t';
	/* 6 title, 7 description, 8 user tags, 9 machine tags */
	p = put_title(p, r);
	*p++ = '\t';
	p = put_description(p, r);
	*p++ = '\t';
	p = put_tags(p, r);
	*p++ = '\t';
	p = put_machine_tags(p, r);
	*p++ = '\t';
	/* 10 longitude, 11 latitude, 12 accuracy */
	if (chance(r, 420)) {
		p = put_coord(p, r, 180);
		*p++ = '\t';
		p = put_coord(p, r, 85);
		*p++ = '\t';
		p = put_u64(p, 1 + below(r, 16));
	} else {
		p = put(p, "\t\t"); /* all three empty */
	}
	*p++ = '\t';
	/* 13 page URL */
	p = put(p, "http://www.flickr.com/photos/");
	memcpy(p, o.nsid, o.nsid_len);
	p += o.nsid_len;
	*p++ = '/';
	p = put_u64(p, id);
	p = put(p, "/\t");
	/* 14 download URL; 17 server, 18 farm, 19 secret come from here */
	uint32_t farm = 1 + below(r, 9);
	uint32_t server = 1 + below(r, 9999);
	char secret[10], osecret[10];
	put_hex(secret, r, 10);
	put_hex(osecret, r, 10);
	p = put(p, "http://farm");
	p = put_u64(p, farm);
	p = put(p, ".staticflickr.com/");
	p = put_u64(p, server);
	*p++ = '/';
	p = put_u64(p, id);
	*p++ = '_';
	memcpy(p, secret, 10);
	p += 10;
	p = put(p, ".jpg\t");
	/* 15 licence name, 16 licence URL */
	uint32_t lic = below(r, NELEM(licences));
	p = put(p, licences[lic].name);
	p = put(p, "\thttp://creativecommons.org/licenses/");
	p = put(p, licences[lic].path);
	p = put(p, "/2.0/\t");
	/* 17 server, 18 farm, 19 secret, 20 original secret */
	p = put_u64(p, server);
	*p++ = '\t';
	p = put_u64(p, farm);
	*p++ = '\t';
	memcpy(p, secret, 10);
	p += 10;
	*p++ = '\t';
	memcpy(p, osecret, 10);
	p += 10;
	*p++ = '\t';
	/* 21 extension, 22 marker */
	int video = chance(r, 30);
	if (video) {
		static const char *const vext[] = {"mp4", "mov", "avi", "3gp"};
		p = put(p, PICK(r, vext));
	} else {
		uint32_t e = below(r, 1000);
		p = put(p, e < 985 ? "jpg" : e < 995 ? "png" : "gif");
	}
	p = put(p, video ? "\t1\n" : "\t0\n");
	return p;
}

/* ---- output ---- */

struct out {
	char *buf;
	size_t used;
	uint64_t rows, bytes;
};

static void out_flush(struct out *o)
{
	if (o->used && fwrite(o->buf, 1, o->used, stdout) != o->used) {
		fprintf(stderr, "gen-yfcc: write error: %s\n", strerror(errno));
		exit(1);
	}
	o->bytes += o->used;
	o->used = 0;
}

static void out_row(struct out *o, const struct gen *g, uint32_t slot,
		    struct rng *r)
{
	if (o->used > OUTBUF_SIZE)
		out_flush(o);
	char *end = put_row(g, o->buf + o->used, slot, r, o->rows);
	o->used = (size_t)(end - o->buf);
	o->rows++;
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fputs("usage: gen-yfcc --rows N [--seed S] [--release 1|2] "
	      "[--layout 23|25] [--stats] > file.tsv\n"
	      "  release 2 = release 1 minus 1% of its rows plus 2% new rows\n",
	      f);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t min,
			  uint64_t max)
{
	char *end = NULL;
	errno = 0;
	if (!s || *s < '0' || *s > '9') {
		fprintf(stderr, "gen-yfcc: %s needs a number\n", opt);
		exit(2);
	}
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr,
			"gen-yfcc: bad value for %s: '%s' (%" PRIu64
			"..%" PRIu64 ")\n",
			opt, s, min, max);
		exit(2);
	}
	return (uint64_t)v;
}

struct opts {
	uint64_t rows, seed;
	int release, layout, stats, have_rows;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--stats")) {
			o->stats = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		}
		if (!strcmp(a, "--rows")) {
			o->rows = parse_u64(a, v, 0, NEW_SLOT_BASE - 1);
			o->have_rows = 1;
		} else if (!strcmp(a, "--seed")) {
			o->seed = parse_u64(a, v, 0, UINT64_MAX);
		} else if (!strcmp(a, "--release")) {
			o->release = (int)parse_u64(a, v, 1, 2);
		} else if (!strcmp(a, "--layout")) {
			o->layout = (int)parse_u64(a, v, 23, 25);
		} else {
			fprintf(stderr, "gen-yfcc: unknown argument '%s'\n", a);
			usage(stderr);
			exit(2);
		}
		i++;
	}
	if (!o->have_rows || o->release < 1 ||
	    (o->layout != 23 && o->layout != 25)) {
		usage(stderr);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct opts opt = {.seed = 1, .release = 1, .layout = 23};
	parse_args(argc, argv, &opt);

	struct gen g = {.seed = opt.seed, .layout = opt.layout};
	owners_init(&g.owners, opt.rows, opt.seed);
	struct rng kr = rng_at(opt.seed, STREAM_KEYS, 1);
	g.id_k1 = (uint32_t)next64(&kr);
	g.id_k2 = (uint32_t)next64(&kr);

	/* removal: rows whose permuted index falls below N/100 */
	struct feistel rm = {.n = opt.rows};
	while ((UINT64_C(1) << (2 * rm.half)) < opt.rows)
		rm.half++;
	for (int i = 0; i < 4; i++)
		rm.keys[i] = next64(&kr);
	uint64_t removed_target = opt.release == 2 ? opt.rows / 100 : 0;
	uint64_t added_target = opt.release == 2 ? opt.rows * 2 / 100 : 0;

	struct out o = {.buf = malloc(OUTBUF_SIZE + ROW_MAX)};
	if (!o.buf) {
		fputs("gen-yfcc: out of memory\n", stderr);
		return 1;
	}
	static char stdio_buf[1 << 16];
	setvbuf(stdout, stdio_buf, _IOFBF, sizeof(stdio_buf));

	/* Merge the N release-1 slots with the A new rows: selection sampling
	   (Knuth's algorithm S) picks which of the N + A positions are new. */
	struct rng place = rng_at(opt.seed, STREAM_PLACE, 0);
	uint64_t i = 0, j = 0, removed = 0;
	while (i < opt.rows || j < added_target) {
		uint64_t left = (opt.rows - i) + (added_target - j);
		int take_new = j < added_target &&
			       (uint64_t)(unit(&place) * (double)left) <
				       added_target - j;
		if (take_new) {
			struct rng r = rng_at(opt.seed, STREAM_NEW, j);
			out_row(&o, &g, (uint32_t)(NEW_SLOT_BASE + j), &r);
			j++;
			continue;
		}
		if (removed_target && feistel_apply(&rm, i) < removed_target) {
			removed++;
		} else {
			struct rng r = rng_at(opt.seed, STREAM_ROW, i);
			out_row(&o, &g, (uint32_t)i, &r);
		}
		i++;
	}
	out_flush(&o);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "gen-yfcc: write error: %s\n", strerror(errno));
		return 1;
	}
	free(o.buf);

	fprintf(stderr, "gen-yfcc: average row length %.1f bytes\n",
		o.rows ? (double)o.bytes / (double)o.rows : 0.0);
	if (opt.stats)
		fprintf(stderr,
			"gen-yfcc: rows written %" PRIu64 ", removed %" PRIu64
			", added %" PRIu64 " (release %d, %" PRIu64 " bytes)\n",
			o.rows, removed, j, opt.release, o.bytes);
	return 0;
}
