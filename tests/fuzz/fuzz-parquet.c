/*
 * fuzz-parquet.c: the Parquet reader's decoders (parquet_meta.h,
 * parquet_page.h) and the whole format on hostile bytes.
 *
 * The first byte picks what the rest is: 0 a footer (FileMetaData), 1 a
 * page header, 2 a page to decode (four bytes of settings: physical type,
 * encoding, maximum definition level, values; then a dictionary and the
 * page's levels and values, split where a fifth byte says), 3 a whole file
 * read by the parquet format with a URL and a key column.  Oracles, from
 * the contracts: a footer read has one chunk per leaf in every row group;
 * a page header's length is inside the input; a decoded page adds exactly
 * its number of values, none longer than the cap; a file read either
 * succeeds or reports one fatal problem.
 */
#include <errno.h>
#include <fcntl.h>

#include "fuzz.h"
#include "lib/macro.h"
#include "parse/format.h"
#include "parse/parquet_meta.h"
#include "parse/parquet_page.h"

extern const struct format format_parquet;

#define VALUE_MAX 4096

static void footer(const uint8_t *data, size_t size)
{
	struct parquet_meta m;
	char err[256];
	size_t g;

	if (parquet_meta_parse(data, size, &m, err, sizeof(err)) < 0)
		return;
	for (g = 0; g < m.n_groups; g++)
		FUZZ_CHECK(m.groups[g].n_chunks == m.n_leaves);
	parquet_meta_free(&m);
}

static void header(const uint8_t *data, size_t size)
{
	struct parquet_page_header h;
	size_t used = SIZE_MAX;
	char err[256];

	if (parquet_page_header_parse(data, size, &h, &used, err,
				      sizeof(err)) == 0)
		FUZZ_CHECK(used <= size);
}

static const int types[] = {PARQUET_INT32, PARQUET_INT64, PARQUET_BYTE_ARRAY,
			    PARQUET_FIXED_LEN_BYTE_ARRAY};

static void page(const uint8_t *data, size_t size)
{
	struct parquet_decoder d;
	struct parquet_values v;
	struct parquet_page pg = {0};
	size_t dict_len, levels_len, before, i;
	char err[256];

	if (size < 5)
		return;
	parquet_decoder_init(&d, types[data[0] % 4], 1 + data[0] / 4 % 16,
			     data[0] & 0x80, data[2] % 3, VALUE_MAX);
	pg.encoding = data[1] % 10;
	pg.num_values = data[3];
	data += 5;
	size -= 5;
	dict_len = MIN(size, (size_t)data[-1] * 4);
	parquet_values_init(&v, 1 << 20);
	(void)parquet_decoder_dictionary(&d, data[-1] % 32, data, dict_len, err,
					 sizeof(err));
	levels_len = (size - dict_len) / 4;
	pg.levels = data + dict_len;
	pg.levels_len = levels_len;
	pg.values = pg.levels + levels_len;
	pg.values_len = size - dict_len - levels_len;
	before = v.n;
	if (parquet_decoder_page(&d, &pg, &v, err, sizeof(err)) == 0) {
		FUZZ_CHECK(v.n == before + pg.num_values);
		for (i = 0; i < v.n; i++)
			FUZZ_CHECK(parquet_values_get(&v, i).len <= VALUE_MAX);
	}
	parquet_values_free(&v);
	parquet_decoder_free(&d);
}

struct counts {
	size_t entries, fatal, reports;
};

static int count_entry(void *userdata, const struct entry *e)
{
	struct counts *c = userdata;

	FUZZ_CHECK(e->line == ++c->entries);
	return 0;
}

static void count_report(void *userdata, uint64_t line, bool fatal,
			 const char *why)
{
	struct counts *c = userdata;

	(void)line;
	FUZZ_CHECK(why && why[0]);
	c->fatal += fatal;
	c->reports++;
}

static void file(const uint8_t *data, size_t size)
{
	const struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	struct counts c = {0};
	const struct format_sink sink = {count_entry, count_report, &c};
	struct format_options o = {0};
	char path[PATH_MAX], url[] = "URL", key[] = "SAMPLE_ID";
	void *p = NULL;
	int fd, r;

	snprintf(path, sizeof(path), "%s/f.parquet", fuzz_tmpdir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);
	o.fields[ENTRY_FIELD_URL] = url;
	o.fields[ENTRY_FIELD_KEY] = key;
	FUZZ_CHECK(format_parquet.open(&o, &limits, &sink, &p) == 0);
	r = format_parquet.read_file(p, path);
	format_parquet.free(p);
	FUZZ_CHECK(r == 0 ? c.reports == 0 : c.fatal == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	switch (data[0] % 4) {
	case 0:
		footer(data + 1, size - 1);
		break;
	case 1:
		header(data + 1, size - 1);
		break;
	case 2:
		page(data + 1, size - 1);
		break;
	default:
		file(data + 1, size - 1);
	}
	return 0;
}
