/*
 * check_plugin - loading application shared objects (common/plugin.h):
 * missing files, files that are not libraries, libraries that are not
 * plugins or are built for another interface version (test/fixtures), the
 * real wc app from $BUILD/apps, and bare names looked up in the current
 * folder only.
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin.h"
#include "sdk.h"

/*
 * The tcase's root folder is made and removed by an unchecked fixture (in
 * the parent process, so it goes even when a test fails); every test gets
 * its own folder inside it and may chdir anywhere: the working folder is
 * put back after each test.
 */
static char rootdir[64];
static char tmpdir[128];
static char build[PATH_MAX];
static int oldcwd = -1;

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

static void
root_setup(void)
{
	strcpy(rootdir, "/tmp/check_plugin-XXXXXX");
	if (mkdtemp(rootdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void
root_teardown(void)
{
	if (oldcwd != -1) {
		if (fchdir(oldcwd) == -1)
			perror("fchdir");
		close(oldcwd);
		oldcwd = -1;
	}
	nftw(rootdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
setup(void)
{
	const char *b = getenv("BUILD");

	if (b == NULL || *b == '\0')
		b = "build";
	if (realpath(b, build) == NULL)
		ck_abort_msg("BUILD folder %s not found", b);
	snprintf(tmpdir, sizeof tmpdir, "%s/t-XXXXXX", rootdir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	if (oldcwd != -1 && fchdir(oldcwd) == -1)
		perror("fchdir");
}

/* $BUILD/<rel> as an absolute path, in a static buffer. */
static const char *
built(const char *rel)
{
	static char p[PATH_MAX + 64];

	snprintf(p, sizeof p, "%s/%s", build, rel);
	if (access(p, R_OK) != 0)
		ck_abort_msg("%s is missing: build it first (make)", p);
	return p;
}

static void
write_text(const char *file, const char *text)
{
	FILE *f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Expects plugin_load(path) to fail with a message holding path and what. */
static void
expect_refused(const char *path, const char *what)
{
	struct err e = { "" };
	struct plugin *p = plugin_load(path, &e);

	if (p != NULL) {
		plugin_close(p);
		ck_abort_msg("%s was loaded", path);
	}
	ck_assert_msg(strstr(e.msg, path) != NULL,
	    "message does not name %s: %s", path, e.msg);
	if (what != NULL)
		ck_assert_msg(strstr(e.msg, what) != NULL,
		    "message does not say \"%s\": %s", what, e.msg);
}

START_TEST(test_missing)
{
	char p[256];

	snprintf(p, sizeof p, "%s/nosuch.so", tmpdir);
	expect_refused(p, "No such file");
	ck_assert_int_eq(chdir(tmpdir), 0);
	expect_refused("nosuch.so", "No such file");
}
END_TEST

START_TEST(test_not_a_library)
{
	char p[256];

	snprintf(p, sizeof p, "%s/text.so", tmpdir);
	write_text(p, "this is a text file, not an ELF object\n");
	expect_refused(p, "cannot load");
	snprintf(p, sizeof p, "%s/empty.so", tmpdir);
	write_text(p, "");
	expect_refused(p, NULL);
	/* A folder is not a plugin either. */
	snprintf(p, sizeof p, "%s/sub", tmpdir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	expect_refused(p, NULL);
}
END_TEST

START_TEST(test_not_a_plugin)
{
	expect_refused(built("test/fixtures/notplugin.so"),
	    "not a MapReduce plugin");
}
END_TEST

START_TEST(test_other_abi)
{
	expect_refused(built("test/fixtures/oldabi.so"), "version");
}
END_TEST

/* Counts records and remembers the last one. */
struct sink {
	int	 n;
	char	 key[32], value[32];
};

static int
sink_emit(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	struct sink *s = ctx;

	ck_assert_uint_lt(keylen, sizeof s->key);
	ck_assert_uint_lt(valuelen, sizeof s->value);
	memcpy(s->key, key, keylen);
	s->key[keylen] = '\0';
	memcpy(s->value, value, valuelen);
	s->value[valuelen] = '\0';
	s->n++;
	return 0;
}

/* Loads path, checks it is wc and that its map function works. */
static void
check_wc(const char *path)
{
	struct err e = { "" };
	struct plugin *p = plugin_load(path, &e);
	const struct mr_app *app;
	struct sink s = { 0, "", "" };
	mr_emitter out = { sink_emit, &s };

	if (p == NULL)
		ck_abort_msg("plugin_load(%s): %s", path, e.msg);
	app = plugin_app(p);
	ck_assert_ptr_nonnull(app);
	ck_assert_uint_eq(app->abi_version, MR_ABI_VERSION);
	ck_assert_str_eq(app->name, "wc");
	ck_assert_ptr_nonnull(app->map);
	ck_assert_ptr_nonnull(app->reduce);
	ck_assert_ptr_nonnull(app->combine);
	/* The plugin calls back into this program's mr_* functions. */
	ck_assert_int_eq(app->map(&out, "in", "one, two; three!", 16), 0);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.key, "three");
	ck_assert_str_eq(s.value, "1");
	plugin_close(p);
}

START_TEST(test_load_wc)
{
	check_wc(built("apps/wc.so"));
	plugin_close(NULL);
}
END_TEST

START_TEST(test_bare_name)
{
	char link[256];

	snprintf(link, sizeof link, "%s/wc.so", tmpdir);
	ck_assert_int_eq(symlink(built("apps/wc.so"), link), 0);
	ck_assert_int_eq(chdir(tmpdir), 0);
	check_wc("wc.so");
	/* Only the current folder: a system library is not found by name. */
	expect_refused("libm.so.6", "No such file");
	expect_refused("libc.so.6", "No such file");
}
END_TEST

static Suite *
plugin_suite(void)
{
	Suite *s = suite_create("plugin");
	TCase *tc;

	tc = tcase_create("load");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_not_a_library);
	tcase_add_test(tc, test_not_a_plugin);
	tcase_add_test(tc, test_other_abi);
	tcase_add_test(tc, test_load_wc);
	tcase_add_test(tc, test_bare_name);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(plugin_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
