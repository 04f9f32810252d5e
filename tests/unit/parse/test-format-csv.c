/*
 * test-format-csv.c: the csv and tsv adapters on real-shaped manifests (IBM
 * DiF, Open Images) and on broken ones.  Each case is fed whole, in 1-byte
 * chunks and in random chunks (each chunk in its own allocation, so reading
 * past it trips ASan), and must give the same entries and reports each time.
 * The sink writes everything it gets as text, so a case's expectation is
 * one string: "E<line>@<offset>+<length> id=.. nsid=.. <field>=..." per
 * entry, "R<line>[!] <why>" per report (! when fatal) and "-> <errno>" when
 * the parse fails.
 */
#include <errno.h>
#include <stdbool.h>

#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/format.h"
#include "test.h"

/* ASan's allocator tells the bytes in use: the memory bound is checked. */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ALLOCATED_BYTES 1
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

extern const struct format format_csv;
extern const struct format format_tsv;

#define MiB (1024 * 1024)

#include "sinklog.h"

struct dataset_spec {
	const char *format;
	bool no_header;
	const char *columns[ENTRY_FIELD_MAX];
	size_t max_record, max_fields; /* 0: the default */
};

static const struct format *format_of(const char *name)
{
	return strcmp(name, "tsv") == 0 ? &format_tsv : &format_csv;
}

/* Bytes allocated now, or 0 where that cannot be known. */
static size_t allocated_bytes(void)
{
#ifdef HAVE_ALLOCATED_BYTES
	return __sanitizer_get_current_allocated_bytes();
#else
	return 0;
#endif
}

/* Runs a parse and returns what the sink saw (malloc'ed).  If peak is not
 * NULL it gets the most memory the parser held between chunks. */
static char *run_peak(const struct dataset_spec *spec, const char *in,
		      size_t len, int mode, size_t stop_after, size_t *peak)
{
	const struct format *fmt = format_of(spec->format);
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	struct sink_log log = {.stop_after = stop_after};
	struct format_sink sink = {log_entry, log_report, &log};
	struct format_options d = {.header = !spec->no_header};
	uint64_t rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(mode + 1);
	void *p = NULL;
	size_t i, off = 0, n, base;
	int r;

	buf_init(&log.out, 64 * MiB);
	if (spec->max_record)
		limits.max_record = spec->max_record;
	if (spec->max_fields)
		limits.max_fields = spec->max_fields;
	for (i = 0; i < ENTRY_FIELD_MAX; i++)
		d.fields[i] =
			spec->columns[i] ? xstrdup(spec->columns[i]) : NULL;
	r = fmt->open(&d, &limits, &sink, &p);
	base = allocated_bytes();
	for (; r == 0 && off < len; off += n) {
		char *chunk;

		n = chunk_size(mode, &rng, len - off);
		chunk = xmalloc(n);
		memcpy(chunk, in + off, n);
		r = fmt->feed(p, chunk, n);
		free(chunk);
		if (peak && allocated_bytes() - base > *peak)
			*peak = allocated_bytes() - base;
	}
	if (r == 0)
		r = fmt->finish(p);
	if (r < 0)
		buf_printf(&log.out, "-> %d\n", r);
	fmt->free(p);
	for (i = 0; i < ENTRY_FIELD_MAX; i++)
		free(d.fields[i]);
	return buf_steal(&log.out);
}

static char *run(const struct dataset_spec *spec, const char *in, size_t len,
		 int mode, size_t stop_after)
{
	return run_peak(spec, in, len, mode, stop_after, NULL);
}

/* Checks that every way of feeding in gives expect. */
static void check_all_modes(const char *name, const struct dataset_spec *spec,
			    const char *in, size_t len, const char *expect)
{
	int mode;

	for (mode = MODE_WHOLE; mode < MODE_END; mode++) {
		char *got = run(spec, in, len, mode, 0);

		if (strcmp(got, expect) != 0) {
			TEST_FAIL("case %s, mode %d: got\n%s-- expected\n%s--",
				  name, mode, got, expect);
			free(got);
			return;
		}
		free(got);
	}
}

/* ---- the cases ------------------------------------------------------------ */

#define IN(s) .in = s, .len = sizeof(s) - 1

struct table_case {
	const char *name;
	struct dataset_spec spec;
	const char *in;
	size_t len;
	const char *expect;
};

#define DIF_1 "http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg"
#define DIF_2 "http://farm4.staticflickr.com/3164/2917181734_b2a8b6de1d.jpg"
#define DIF_3 "http://farm5.staticflickr.com/4000/1234567890_abcdef0123.jpg"

#define OI_HEADER                                                 \
	"ImageID,Subset,OriginalURL,OriginalLandingURL,License,"  \
	"AuthorProfileURL,Author,Title,OriginalSize,OriginalMD5," \
	"Thumbnail300KURL,Rotation"
#define OI_ROW_1                                                           \
	"000002b66c9c498e,train,"                                          \
	"https://farm3.staticflickr.com/2108/2179789263_7c1e1a3d4f_o.jpg," \
	"https://www.flickr.com/photos/mwichary/2179789263,"               \
	"https://creativecommons.org/licenses/by/2.0/,"                    \
	"https://www.flickr.com/people/mwichary/,Marcin Wichary,"          \
	"Peach Pit,2261593,bRl9RVmBgnTCbrEBm3O+ig==,"                      \
	"https://c2.staticflickr.com/3/2108/2179789263_7c1e1a3d4f_z.jpg,0.0"
#define OI_ROW_2                                                           \
	"000002b97e5471a0,train,"                                          \
	"https://farm4.staticflickr.com/3016/2928264213_d1f3b2b3e4_o.jpg," \
	"https://www.flickr.com/photos/47108884@N07/2928264213,"           \
	"https://creativecommons.org/licenses/by/2.0/,"                    \
	"https://www.flickr.com/people/47108884@N07/,\"Smith, Jane\","     \
	"\"A \"\"quoted\"\" title\",1000,abc==,,0.0"

/* Open Images columns, one of them in the wrong case. */
#define OI_COLUMNS                                             \
	{                                                      \
		[ENTRY_FIELD_KEY] = "ImageID",                 \
		[ENTRY_FIELD_IMAGE_URL] = "OriginalURL",       \
		[ENTRY_FIELD_PAGE_URL] = "originallandingurl", \
		[ENTRY_FIELD_LICENSE] = "License",             \
		[ENTRY_FIELD_OWNER_URL] = "AuthorProfileURL",  \
		[ENTRY_FIELD_OWNER_NAME] = "Author",           \
	}

static const struct table_case cases[] = {
	{
		.name = "dif_no_header",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0"}},
		IN(DIF_1 ",0,1,97,128,140,171,0.93,F\n" DIF_2
			 ",1,2,40,51,88,99,0.71,M\n"),
		.expect =
			"E1@0+87 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg\n"
			"E2@87+84 id=2917181734 url=http://farm4.staticflickr.com/3164/2917181734_b2a8b6de1d.jpg\n",
	},
	{
		.name = "open_images_header",
		.spec = {.format = "csv",
			 .no_header = false,
			 .columns = OI_COLUMNS},
		IN(OI_HEADER "\n" OI_ROW_1 "\n" OI_ROW_2 "\n"),
		.expect =
			"E2@135+347 id=2179789263 alias=mwichary key=000002b66c9c498e page_url=https://www.flickr.com/photos/mwichary/2179789263 image_url=https://farm3.staticflickr.com/2108/2179789263_7c1e1a3d4f_o.jpg owner_name=Marcin Wichary owner_url=https://www.flickr.com/people/mwichary/ license=https://creativecommons.org/licenses/by/2.0/\n"
			"E3@482+281 id=2928264213 nsid=47108884@N07 key=000002b97e5471a0 page_url=https://www.flickr.com/photos/47108884@N07/2928264213 image_url=https://farm4.staticflickr.com/3016/2928264213_d1f3b2b3e4_o.jpg owner_name=Smith, Jane owner_url=https://www.flickr.com/people/47108884@N07/ license=https://creativecommons.org/licenses/by/2.0/\n",
	},
	{
		.name = "quoted_commas_quotes_newlines",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0",
				     [ENTRY_FIELD_OWNER_NAME] = "1",
				     [ENTRY_FIELD_LICENSE] = "2"}},
		IN("\"" DIF_1 "\",\"Line one\nline two, with comma\","
		   "\"He said \"\"hi\"\"\"\n" DIF_2 ",\"a\n\nb\",x\n" DIF_3
		   ",plain,\"\"\n"),
		.expect =
			"E1@0+112 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg owner_name=Line one\\nline two, with comma license=He said \"hi\"\n"
			"E3@112+70 id=2917181734 url=http://farm4.staticflickr.com/3164/2917181734_b2a8b6de1d.jpg owner_name=a\\n\\nb license=x\n"
			"E6@182+70 id=1234567890 url=http://farm5.staticflickr.com/4000/1234567890_abcdef0123.jpg owner_name=plain\n",
	},
	{
		.name = "crlf_with_header",
		.spec = {.format = "csv",
			 .no_header = false,
			 .columns = {[ENTRY_FIELD_PHOTO_ID] = "photo",
				     [ENTRY_FIELD_OWNER_NSID] = "owner"}},
		IN("photo,owner\r\n"
		   "2292393487,10000001@N01\r\n"
		   "\"2917181734\",\"20000002@N02\"\r\n"
		   "\r\n"
		   "\"multi\r\nline\",x\r\n"
		   "1234567890,30000003@N03\r\n"),
		.expect =
			"E2@13+25 id=2292393487 nsid=10000001@N01 photo_id=2292393487 owner_nsid=10000001@N01\n"
			"E3@38+29 id=2917181734 nsid=20000002@N02 photo_id=2917181734 owner_nsid=20000002@N02\n"
			"E5@69+17 photo_id=multi\\r\\nline owner_nsid=x\n"
			"E7@86+25 id=1234567890 nsid=30000003@N03 photo_id=1234567890 owner_nsid=30000003@N03\n",
	},
	{
		.name = "tsv_header",
		.spec = {.format = "tsv",
			 .no_header = false,
			 .columns = {[ENTRY_FIELD_KEY] = "ImageID",
				     [ENTRY_FIELD_PAGE_URL] =
					     "OriginalLandingURL",
				     [ENTRY_FIELD_OWNER_NAME] = "Author"}},
		IN("ImageID\tOriginalLandingURL\tAuthor\tTitle\n"
		   "000002b66c9c498e\thttps://www.flickr.com/photos/mwichary/"
		   "2179789263\tMarcin Wichary\tA \"quoted\" title, with comma\n"
		   "000002b97e5471a0\thttps://www.flickr.com/photos/"
		   "47108884@N07/2928264213\t\"Smith\"\t\n"),
		.expect =
			"E2@40+111 id=2179789263 alias=mwichary key=000002b66c9c498e page_url=https://www.flickr.com/photos/mwichary/2179789263 owner_name=Marcin Wichary\n"
			"E3@151+80 id=2928264213 nsid=47108884@N07 key=000002b97e5471a0 page_url=https://www.flickr.com/photos/47108884@N07/2928264213 owner_name=\"Smith\"\n",
	},
	{
		.name = "tsv_no_header_crlf",
		.spec = {.format = "tsv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_PHOTO_ID] = "0",
				     [ENTRY_FIELD_OWNER_NSID] = "1"}},
		IN("2292393487\t12345678@N00\r\n"
		   "\r\n"
		   "garbage\r\n"
		   "2917181734\t87654321@N01\r\n"
		   "1234567890\tx\t\0\r\n"
		   "1234567891\t\xff\r\n"),
		.expect =
			"E1@0+25 id=2292393487 nsid=12345678@N00 photo_id=2292393487 owner_nsid=12345678@N00\n"
			"R3 row has 1 fields, column 1 needed\n"
			"E4@36+25 id=2917181734 nsid=87654321@N01 photo_id=2917181734 owner_nsid=87654321@N01\n"
			"R5 NUL byte in record\n"
			"R6 invalid UTF-8 in column 1\n",
	},
	{
		.name = "bom_header_last_line_without_newline",
		.spec = {.format = "csv",
			 .no_header = false,
			 .columns = {[ENTRY_FIELD_URL] = "URL"}},
		IN("\xEF\xBB\xBF"
		   "url,n\n" DIF_1 ",1\n\n\n" DIF_2 ",2"),
		.expect =
			"E2@9+63 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg\n"
			"E5@74+62 id=2917181734 url=http://farm4.staticflickr.com/3164/2917181734_b2a8b6de1d.jpg\n",
	},
	{
		.name = "not_a_bom",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0"}},
		IN("\xEF\xBB"
		   "x,1\n"
		   "\xEF,2"),
		.expect = "R1 invalid UTF-8 in column 0\n"
			  "R2 invalid UTF-8 in column 0\n",
	},
	{
		.name = "empty_lines_and_trailing_field",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0",
				     [ENTRY_FIELD_LICENSE] = "2"}},
		IN("\n\r\n\n" DIF_1 ",,\n" DIF_2 ",,\"\"\r\n\"\"\n" DIF_3
		   ",x,\"y\"\r"),
		.expect =
			"E4@4+63 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg\n"
			"E5@67+66 id=2917181734 url=http://farm4.staticflickr.com/3164/2917181734_b2a8b6de1d.jpg\n"
			"E7@136+67 id=1234567890 url=http://farm5.staticflickr.com/4000/1234567890_abcdef0123.jpg license=y\n",
	},
	{
		.name = "truncated_unterminated_quote",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0",
				     [ENTRY_FIELD_OWNER_NAME] = "1"}},
		IN(DIF_1 ",ok\n" DIF_2 ",\"unterminated\nstill going\n"),
		.expect =
			"E1@0+64 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg owner_name=ok\n"
			"R2 unterminated quoted field at end of input\n",
	},
	{
		.name = "binary_junk",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0"}},
		IN("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\n"
		   "\xff\xd8\xff\xe0\0\x10JFIF\n" DIF_1 "\n"
		   "\xde\xad\xbe\xef\n"
		   "\"\0\"\n"
		   "\"ab\"\0\n"
		   "\"ab\"\r\0\n" DIF_2 "\n"),
		.expect =
			"R1 invalid UTF-8 in column 0\n"
			"R2 control character in column 0\n"
			"R3 NUL byte in record\n"
			"R4 NUL byte in record\n"
			"E5@32+61 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg\n"
			"R6 invalid UTF-8 in column 0\n"
			"R7 NUL byte in record\n"
			"R8 NUL byte in record\n"
			"R9 NUL byte in record\n"
			"E10@115+61 id=2917181734 url=http://farm4.staticflickr.com/3164/2917181734_b2a8b6de1d.jpg\n",
	},
	{
		.name = "wrong_field_count_no_header",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0",
				     [ENTRY_FIELD_OWNER_NAME] = "5"}},
		IN(DIF_1 ",b,c\n" DIF_2 ",1,2,3,4,Jane Doe\n"),
		.expect =
			"R1 row has 3 fields, column 5 needed\n"
			"E2@65+78 id=2917181734 url=http://farm4.staticflickr.com/3164/2917181734_b2a8b6de1d.jpg owner_name=Jane Doe\n",
	},
	{
		.name = "wrong_field_count_header",
		.spec = {.format = "csv",
			 .no_header = false,
			 .columns = {[ENTRY_FIELD_URL] = "a"}},
		IN("a,b,c\n" DIF_1 ",2\n" DIF_2 ",2,3\n" DIF_3 ",2,3,4\n"),
		.expect =
			"R2 row has 2 fields, the header has 3\n"
			"E3@69+65 id=2917181734 url=http://farm4.staticflickr.com/3164/2917181734_b2a8b6de1d.jpg\n"
			"R4 row has 4 fields, the header has 3\n",
	},
	{
		.name = "invalid_utf8_in_mapped_field",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0",
				     [ENTRY_FIELD_OWNER_NAME] = "1"}},
		IN(DIF_1 ",J\xc3\x28rg\n"      /* bad continuation */
		   DIF_1 ",\xc0\xaf\n"	       /* overlong */
		   DIF_1 ",\xed\xa0\x80\n"     /* surrogate */
		   DIF_1 ",\xf4\x90\x80\x80\n" /* past U+10FFFF */
		   DIF_1 ",J\xc3\xbcrgen\n"    /* fine */
		   DIF_1 ",\xf0\x9f\x98\x80\n" /* fine */
		   DIF_1 ",\"a\x1b[1m\"\n"     /* control character */
		   DIF_2 ",ok,\xff\xfe\n"),    /* unmapped: fine */
		.expect =
			"R1 invalid UTF-8 in column 1\n"
			"R2 invalid UTF-8 in column 1\n"
			"R3 invalid UTF-8 in column 1\n"
			"R4 invalid UTF-8 in column 1\n"
			"E5@262+69 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg owner_name=J\\xc3\\xbcrgen\n"
			"E6@331+66 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg owner_name=\\xf0\\x9f\\x98\\x80\n"
			"R7 control character in column 1\n"
			"E8@466+67 id=2917181734 url=http://farm4.staticflickr.com/3164/2917181734_b2a8b6de1d.jpg owner_name=ok\n",
	},
	{
		.name = "missing_header_column",
		.spec = {.format = "csv",
			 .no_header = false,
			 .columns = {[ENTRY_FIELD_KEY] = "ImageID",
				     [ENTRY_FIELD_PAGE_URL] =
					     "OriginalLandingURL"}},
		IN("ImageID,Subset,OriginalURL,License,AuthorProfileURL,"
		   "Author,Title,OriginalSize\n"
		   "000002b66c9c498e,train,x,y,z,a,b,1\n"),
		.expect =
			"R1! column 'OriginalLandingURL' not in the header (columns: ImageID, Subset, OriginalURL, License, AuthorProfileURL, Author, Title, OriginalSize)\n"
			"-> -22\n",
	},
	{
		.name = "missing_header_column_long_list",
		.spec = {.format = "tsv",
			 .no_header = false,
			 .columns = {[ENTRY_FIELD_URL] = "url"}},
		IN("column_number_00\tcolumn_number_01\tcolumn_number_02\t"
		   "column_number_03\tcolumn_number_04\tcolumn_number_05\t"
		   "column_number_06\tcolumn_number_07\tcolumn_number_08\t"
		   "column_number_09\tcolumn_number_10\tcolumn_number_11\t"
		   "column_number_12\tcolumn_number_13\tcolumn_number_14\n"),
		.expect =
			"R1! column 'url' not in the header (columns: column_number_00, column_number_01, column_number_02, column_number_03, column_number_04, column_number_05, column_number_06, column_number_07, column_number_08, ... (15 in all))\n"
			"-> -22\n",
	},
	{
		.name = "missing_header_column_odd_names",
		.spec = {.format = "csv",
			 .no_header = false,
			 .columns = {[ENTRY_FIELD_URL] = "url"}},
		IN("\"a\x1b[31m\",b\xff,\"c\nd\",Z\xc3\xbcrich,"
		   "an_extremely_long_column_name_that_goes_on_and_on_and_on\n"),
		.expect =
			"R1! column 'url' not in the header (columns: a?[31m, b?, c?d, Zürich, an_extremely_long_column_name_that_goes_on_and_o...)\n"
			"-> -22\n",
	},
	{
		.name = "numeric_column_past_header",
		.spec = {.format = "csv",
			 .no_header = false,
			 .columns = {[ENTRY_FIELD_URL] = "5"}},
		IN("a,b\n1,2\n"),
		.expect = "R1! column 5 not in the header (columns: a, b)\n"
			  "-> -22\n",
	},
	{
		.name = "bad_header_record_is_fatal",
		.spec = {.format = "csv",
			 .no_header = false,
			 .columns = {[ENTRY_FIELD_URL] = "url"}},
		IN("url\0,b\nx,y\n"),
		.expect = "R1! NUL byte in record\n"
			  "-> -74\n",
	},
	{
		.name = "quote_inside_unquoted_field",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0"}},
		IN("abc\"def,1\n" DIF_1 ",2\n"),
		.expect =
			"R1 quote inside an unquoted field\n"
			"E2@10+63 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg\n",
	},
	{
		.name = "text_after_closing_quote",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0"}},
		IN("\"abc\"x,1\n\"abc\" ,1\n" DIF_1 ",2\n"),
		.expect =
			"R1 text after a closing quote\n"
			"R2 text after a closing quote\n"
			"E3@18+63 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg\n",
	},
	{
		.name = "too_many_fields",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0"},
			 .max_fields = 4},
		IN(DIF_1 ",b,c,d,e\n" DIF_1 ",b,c,\"d\",\"e\n\"\n" DIF_2
			 ",b,c,d\n"),
		.expect =
			"R1 more than 4 fields\n"
			"R2 more than 4 fields\n"
			"E4@143+67 id=2917181734 url=http://farm4.staticflickr.com/3164/2917181734_b2a8b6de1d.jpg\n",
	},
	{
		.name = "record_too_long",
		.spec = {.format = "csv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0"},
			 .max_record = 64},
		IN(DIF_1 ",xyz\n"   /* 64 bytes before the LF: fits */
		   DIF_1 ",wxyz\n"  /* 65 */
		   DIF_1 ",ab\r\n"  /* 64 with the CR: fits */
		   DIF_1 ",abc\r\n" /* 65 with the CR */
			 "\"" DIF_1 "\",\"a\nb\nc\"\n" /* quoted, 3 lines */
		   DIF_2 ",\"1\n2\"\n"),
		.expect =
			"E1@0+65 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg\n"
			"R2 record longer than 64 bytes\n"
			"E3@131+65 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg\n"
			"R4 record longer than 64 bytes\n"
			"R5 record longer than 64 bytes\n"
			"R8 record longer than 64 bytes\n",
	},
	{
		.name = "tsv_too_long_and_nul",
		.spec = {.format = "tsv",
			 .no_header = true,
			 .columns = {[ENTRY_FIELD_URL] = "0"},
			 .max_record = 64},
		IN(DIF_1 "\t\"x\"\n" DIF_1 "\twxyz\n" DIF_2 "\t\0\n" DIF_3
			 "\n"),
		.expect =
			"E1@0+65 id=2292393487 url=http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg\n"
			"R2 record longer than 64 bytes\n"
			"R3 NUL byte in record\n"
			"E4@194+61 id=1234567890 url=http://farm5.staticflickr.com/4000/1234567890_abcdef0123.jpg\n",
	},
};

TEST(table)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(cases); i++)
		check_all_modes(cases[i].name, &cases[i].spec, cases[i].in,
				cases[i].len, cases[i].expect);
}

/* ---- big, random and odd inputs ----------------------------------------- */

/* A 10 MB record between two good lines: quoted (with "" and line ends
 * inside) or plain.  Returns the input; *ret_lines gets its line count. */
static char *big_input(bool quoted, char delim, size_t size, size_t *ret_len,
		       uint64_t *ret_lines)
{
	struct buf b;
	uint64_t lines = 1;
	size_t i;

	buf_init(&b, size + 1024);
	buf_printf(&b, "%s%c1\n%s", DIF_1, delim, quoted ? "x,\"" : "x");
	for (i = 0; b.len < size; i++) {
		char ch = (char)('a' + i % 26);

		if (quoted && i % 1000 == 999) {
			ch = '\n';
			lines++;
		}
		buf_putc(&b, ch);
		if (quoted && i % 777 == 0)
			buf_puts(&b, "\"\"");
	}
	buf_printf(&b, "%s\n%s%c3\n", quoted ? "\"" : "", DIF_2, delim);
	*ret_len = b.len;
	*ret_lines = lines;
	return buf_steal(&b);
}

static void check_big(const char *format, bool quoted)
{
	const struct dataset_spec spec = {
		format, true, {[ENTRY_FIELD_URL] = "0"}, .max_record = MiB};
	static const int modes[] = {MODE_WHOLE, MODE_64K, 2, 4};
	char delim = strcmp(format, "tsv") == 0 ? '\t' : ',';
	uint64_t lines;
	size_t len, i;
	char *in = big_input(quoted, delim, 10 * MiB, &len, &lines);
	char expect[512];

	snprintf(expect, sizeof(expect),
		 "E1@0+63 id=2292393487 url=" DIF_1 "\n"
		 "R2 record longer than 1048576 bytes\n"
		 "E%" PRIu64 "@%zu+63 id=2917181734 url=" DIF_2 "\n",
		 lines + 2, len - 63);
	for (i = 0; i < ELEMENTSOF(modes); i++) {
		size_t peak = 0;
		char *got = run_peak(&spec, in, len, modes[i], 0, &peak);

		if (strcmp(got, expect) != 0)
			TEST_FAIL(
				"%s quoted=%d mode %d: got\n%s-- expected\n%s",
				format, quoted, modes[i], got, expect);
		/* One record buffer (capacity <= 2 MiB) and the log. */
		CHECK(peak <= 3 * MiB);
		free(got);
	}
	free(in);
}

TEST(ten_megabyte_record)
{
	check_big("csv", false);
	check_big("csv", true);
	check_big("tsv", false);
}

/* Random bytes, heavy in the bytes the parser acts on: no crash, the same
 * result however fed, and reports. */
TEST(random_junk)
{
	static const char special[] = "\n\n\",\t\r\0";
	static const struct dataset_spec specs[] = {
		{.format = "csv",
		 .no_header = true,
		 .columns = {[ENTRY_FIELD_URL] = "0", [ENTRY_FIELD_KEY] = "3"},
		 .max_record = 100,
		 .max_fields = 8},
		{.format = "csv",
		 .no_header = true,
		 .columns = {[ENTRY_FIELD_PATH] = "1"}},
		{.format = "tsv",
		 .no_header = true,
		 .columns = {[ENTRY_FIELD_URL] = "0"},
		 .max_record = 100},
		{.format = "csv",
		 .no_header = false,
		 .columns = {[ENTRY_FIELD_URL] = "url"}},
	};
	uint64_t rng = 42;
	size_t len = 256 * 1024, i, k;
	char *in = xmalloc(len);

	for (i = 0; i < len; i++) {
		uint64_t x = rng_next(&rng);

		in[i] = x % 4 == 0 ? special[(x >> 8) % 7] : (char)(x >> 16);
	}
	for (k = 0; k < ELEMENTSOF(specs); k++) {
		char *whole = run(&specs[k], in, len, MODE_WHOLE, 0);
		int mode;

		CHECK(strstr(whole, "\nR") != NULL || whole[0] == 'R');
		for (mode = MODE_BYTES; mode < MODE_END; mode++) {
			char *got = run(&specs[k], in, len, mode, 0);

			if (strcmp(got, whole) != 0)
				TEST_FAIL("spec %zu: mode %d differs", k, mode);
			free(got);
		}
		free(whole);
	}
	free(in);
}

TEST(sink_error_stops_the_parse)
{
	static const char in[] = DIF_1 ",\"a\"\n" DIF_2 ",\"b\"\n" DIF_3 ",c\n";
	const struct dataset_spec spec = {.format = "csv",
					  .no_header = true,
					  .columns = {[ENTRY_FIELD_URL] = "0"}};
	int mode;

	for (mode = MODE_WHOLE; mode < MODE_END; mode++) {
		char *got = run(&spec, in, sizeof(in) - 1, mode, 2);

		CHECK_STR(got, "E1@0+65 id=2292393487 url=" DIF_1 "\n"
			       "E2@65+65 id=2917181734 url=" DIF_2 "\n"
			       "-> -125\n");
		free(got);
	}
}

/* Opens a parser for a dataset with one column; returns open's result. */
static int try_open(const char *format, bool header, const char *column,
		    size_t max_fields)
{
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	struct sink_log log = {0};
	struct format_sink sink = {log_entry, log_report, &log};
	struct format_options d = {.header = header};
	const struct format *fmt = format_of(format);
	void *p = NULL;
	int r;

	limits.max_fields = max_fields;
	if (column)
		d.fields[ENTRY_FIELD_PAGE_URL] = xstrdup(column);
	r = fmt->open(&d, &limits, &sink, &p);
	CHECK(r == 0 ? p != NULL : p == NULL);
	fmt->free(p);
	free(d.fields[ENTRY_FIELD_PAGE_URL]);
	return r;
}

TEST(open_checks_the_column_map)
{
	CHECK_INT(try_open("csv", true, "OriginalLandingURL", 4096), 0);
	CHECK_INT(try_open("csv", true, "3", 4096), 0);
	CHECK_INT(try_open("csv", false, "3", 4096), 0);
	CHECK_INT(try_open("tsv", false, "0", 4096), 0);
	/* Names need a header. */
	CHECK_INT(try_open("csv", false, "OriginalLandingURL", 4096), -EINVAL);
	CHECK_INT(try_open("tsv", false, "-1", 4096), -EINVAL);
	/* A column no row may have. */
	CHECK_INT(try_open("csv", true, "4096", 4096), -EINVAL);
	CHECK_INT(try_open("csv", false, "99999999999999999999999", 4096),
		  -EINVAL);
	/* Nothing to read, or no field allowed. */
	CHECK_INT(try_open("csv", true, NULL, 4096), -EINVAL);
	CHECK_INT(try_open("csv", true, "0", 0), -EINVAL);
	CHECK(format_csv.name && strcmp(format_csv.name, "csv") == 0);
	CHECK(format_tsv.name && strcmp(format_tsv.name, "tsv") == 0);
	CHECK(!format_csv.photo_keyed && !format_tsv.photo_keyed);
}

TEST(errors_are_sticky)
{
	static const char header[] = "ImageID,Subset\n";
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	struct sink_log log = {0};
	struct format_sink sink = {log_entry, log_report, &log};
	struct format_options d = {.header = true};
	void *p = NULL;

	buf_init(&log.out, MiB);
	d.fields[ENTRY_FIELD_URL] = xstrdup("OriginalURL");
	CHECK_INT(format_csv.open(&d, &limits, &sink, &p), 0);
	CHECK_INT(format_csv.feed(p, header, sizeof(header) - 1), -EINVAL);
	CHECK_INT(format_csv.feed(p, "a,b\n", 4), -EINVAL);
	CHECK_INT(format_csv.finish(p), -EINVAL);
	CHECK_STR(log.out.data, "R1! column 'OriginalURL' not in the header "
				"(columns: ImageID, Subset)\n");
	CHECK(format_csv.free(p) == NULL);
	CHECK(format_csv.free(NULL) == NULL);
	free(d.fields[ENTRY_FIELD_URL]);
	buf_free(&log.out);
}
