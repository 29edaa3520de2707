/*
 * check_plugin - finding and loading application shared objects
 * (common/plugin.h): missing files, files that are not libraries, libraries
 * that are not plugins or are built for another interface version
 * (test/fixtures), a version 1 plugin loaded with the fields of version 2
 * NULL, a version 2 plugin's hooks and partitioner, the real wc app from
 * $BUILD/apps, names ending in .so
 * looked up in the current folder only, and bare names looked up in
 * $MR_PLUGIN_PATH, the installed folder and the program's apps folder.
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

#include "crc32c.h"
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

	/* The lookup must not depend on the caller's environment. */
	unsetenv("MR_PLUGIN_PATH");

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
	/* Without fork (CK_FORK=no, valgrind) the next test shares ours. */
	unsetenv("MR_PLUGIN_PATH");
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
	expect_refused(built("test/fixtures/oldabi.so"),
	    "built for plugin interface version 3, this program supports "
	    "versions 1 to 2");
}
END_TEST

/* What a version 1 plugin emits, for test_abi1. */
static int abi1_records;

static int
abi1_emit(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	(void)ctx;
	(void)key;
	(void)keylen;
	(void)value;
	(void)valuelen;
	abi1_records++;
	return 0;
}

/*
 * A version 1 descriptor is shorter: loaded as version 2's, without a
 * byte read past it, the new fields NULL.
 */
START_TEST(test_abi1)
{
	struct err e = { "" };
	struct plugin *p = plugin_load(built("test/fixtures/abi1.so"), &e);
	mr_emitter out = { .emit = abi1_emit, .ctx = NULL };
	const struct mr_app *app;

	if (p == NULL)
		ck_abort_msg("abi1.so: %s", e.msg);
	app = plugin_app(p);
	ck_assert_uint_eq(app->abi_version, 1);
	ck_assert_str_eq(app->name, "abi1");
	ck_assert_ptr_nonnull(app->map);
	ck_assert_ptr_nonnull(app->reduce);
	ck_assert_ptr_eq(app->combine, mr_combine_sum);
	ck_assert_ptr_null(app->init);
	ck_assert_ptr_null(app->fini);
	ck_assert_ptr_null(app->partition);
	abi1_records = 0;
	ck_assert_int_eq(app->map(&out, "in", "old plugins load", 16), 0);
	ck_assert_int_eq(abi1_records, 3);
	plugin_close(p);
}
END_TEST

/* A version 2 plugin's hooks and partitioner come through. */
START_TEST(test_abi2_hooks)
{
	struct err e = { "" };
	struct plugin *p = plugin_load(built("test/fixtures/sdk2.so"), &e);
	const struct mr_app *app;

	if (p == NULL)
		ck_abort_msg("sdk2.so: %s", e.msg);
	app = plugin_app(p);
	ck_assert_uint_eq(app->abi_version, MR_ABI_VERSION);
	ck_assert_ptr_null(app->combine);
	ck_assert_ptr_nonnull(app->init);
	ck_assert_ptr_nonnull(app->fini);
	ck_assert_ptr_nonnull(app->partition);
	ck_assert_int_eq(sdk_init(app, &e), 0);
	ck_assert_uint_eq(app->partition("k7", 2, 5), 2);
	sdk_fini(app);
	plugin_close(p);
	/* The sort app names the SDK's total-order partitioner. */
	p = plugin_load(built("apps/sort.so"), &e);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_eq(plugin_app(p)->partition, mr_partition_total_order);
	plugin_close(p);
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
	mr_emitter out = { .emit = sink_emit, .ctx = &s };

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

/* The digest is of the bytes: known text, a file of many reads, none. */
START_TEST(test_digest)
{
	static uint8_t big[200 * 1000];
	char d[PLUGIN_DIGEST_MAX], want[PLUGIN_DIGEST_MAX];
	struct err e = { "" };
	FILE *f;

	ck_assert_int_eq(chdir(tmpdir), 0);
	write_text("check.txt", "123456789");
	ck_assert_int_eq(plugin_digest("check.txt", d, sizeof d, &e), 0);
	ck_assert_str_eq(d, "crc32c:e3069283 size:9");
	write_text("empty.so", "");
	ck_assert_int_eq(plugin_digest("empty.so", d, sizeof d, &e), 0);
	ck_assert_str_eq(d, "crc32c:00000000 size:0");
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7 + i / 251);
	f = fopen("big.so", "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(big, 1, sizeof big, f), sizeof big);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(plugin_digest("big.so", d, sizeof d, &e), 0);
	snprintf(want, sizeof want, "crc32c:%08x size:%zu",
	    (unsigned)crc32c(0, big, sizeof big), sizeof big);
	ck_assert_str_eq(d, want);
	ck_assert_int_eq(plugin_digest("none.so", d, sizeof d, &e), -1);
	ck_assert_msg(strstr(e.msg, "none.so") != NULL &&
	    strstr(e.msg, "No such file") != NULL, "message: %s", e.msg);
}
END_TEST

/* Two copies of one plugin agree; two plugins differ. */
START_TEST(test_digest_plugins)
{
	char wc[PLUGIN_DIGEST_MAX], copy[PLUGIN_DIGEST_MAX];
	char other[PLUGIN_DIGEST_MAX], cmd[PATH_MAX + 128];
	struct err e = { "" };
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s", built("apps/wc.so"));
	ck_assert_int_eq(chdir(tmpdir), 0);
	snprintf(cmd, sizeof cmd, "cp '%s' copy.so", path);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(plugin_digest(path, wc, sizeof wc, &e), 0);
	ck_assert_int_eq(plugin_digest("copy.so", copy, sizeof copy, &e), 0);
	ck_assert_str_eq(wc, copy);
	ck_assert_int_eq(plugin_digest(built("apps/indexer.so"), other,
	    sizeof other, &e), 0);
	ck_assert_str_ne(wc, other);
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

/* Makes folder tmpdir/rel. */
static void
subdir(const char *rel)
{
	char p[256];

	snprintf(p, sizeof p, "%s/%s", tmpdir, rel);
	ck_assert_int_eq(mkdir(p, 0755), 0);
}

/* Makes tmpdir/rel a symbolic link to $BUILD/target. */
static void
link_built(const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof p, "%s/%s", tmpdir, rel);
	ck_assert_int_eq(symlink(built(target), p), 0);
}

/* plugin_find(app) must succeed and give tmpdir/rel. */
static void
expect_found(const char *app, const char *rel)
{
	struct err e = { "" };
	char out[PATH_MAX], want[256];

	snprintf(want, sizeof want, "%s/%s", tmpdir, rel);
	if (plugin_find(app, out, sizeof out, &e) == -1)
		ck_abort_msg("plugin_find(%s): %s", app, e.msg);
	ck_assert_str_eq(out, want);
}

/*
 * Sets MR_PLUGIN_PATH to the colon-separated folders of rel, each made
 * absolute under tmpdir; empty entries stay empty.
 */
static void
set_path(const char *rel)
{
	char v[1024];
	size_t n = 0, len;

	v[0] = '\0';
	for (;;) {
		len = strcspn(rel, ":");
		if (len > 0)
			n += snprintf(v + n, sizeof v - n, "%s/%.*s", tmpdir,
			    (int)len, rel);
		ck_assert_uint_lt(n, sizeof v - 1);
		if (rel[len] == '\0')
			break;
		v[n++] = ':';
		v[n] = '\0';
		rel += len + 1;
	}
	ck_assert_int_eq(setenv("MR_PLUGIN_PATH", v, 1), 0);
}

/*
 * Every folder of the path is tried in turn; folders that are missing,
 * empty entries and an x.so that is not a regular file do not stop it.
 */
START_TEST(test_find_path)
{
	struct err e = { "" };
	struct plugin *p;
	char out[PATH_MAX];

	subdir("d1");
	subdir("d2");
	subdir("d1/x.so");
	link_built("apps/wc.so", "d2/x.so");
	set_path(":none::d1:d2/:");
	expect_found("x", "d2/x.so");
	ck_assert_int_eq(plugin_find("x", out, sizeof out, &e), 0);
	p = plugin_load(out, &e);
	if (p == NULL)
		ck_abort_msg("plugin_load(%s): %s", out, e.msg);
	ck_assert_str_eq(plugin_app(p)->name, "wc");
	plugin_close(p);
	/*
	 * Relative folders are relative to the current folder, which an
	 * empty entry does not stand for.
	 */
	link_built("test/fixtures/notplugin.so", "x.so");
	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_int_eq(setenv("MR_PLUGIN_PATH", ":d1::d2:", 1), 0);
	ck_assert_int_eq(plugin_find("x", out, sizeof out, &e), 0);
	ck_assert_str_eq(out, "d2/x.so");
}
END_TEST

/* The first folder holding NAME.so wins, whatever is in the later ones. */
START_TEST(test_find_first_wins)
{
	subdir("d1");
	subdir("d2");
	link_built("apps/wc.so", "d1/x.so");
	link_built("test/fixtures/notplugin.so", "d2/x.so");
	link_built("apps/wc.so", "d2/y.so");
	set_path("d1:d2");
	expect_found("x", "d1/x.so");
	expect_found("y", "d2/y.so");
	set_path("d2:d1");
	expect_found("x", "d2/x.so");
}
END_TEST

/* Where the program's own apps folder is: next to this test binary. */
static void
exe_apps(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);

	ck_assert_int_gt(n, 0);
	dir[n] = '\0';
	ck_assert_ptr_nonnull(strrchr(dir, '/'));
	strcpy(strrchr(dir, '/'), "/apps");
}

/* Expects s to hold every string of want[], in that order. */
static void
expect_in_order(const char *s, const char *const *want, int n)
{
	const char *at = s, *hit;

	for (int i = 0; i < n; i++) {
		hit = strstr(at, want[i]);
		ck_assert_msg(hit != NULL, "\"%s\" missing or out of order "
		    "in: %s", want[i], s);
		at = hit + strlen(want[i]);
	}
}

START_TEST(test_find_not_found)
{
	struct err e = { "" };
	char out[PATH_MAX], d1[300], d2[300], inst[PATH_MAX], apps[PATH_MAX];
	const char *want[] = { "nosuch", d1, d2, inst, apps };

	subdir("d1");
	subdir("d2");
	set_path("d1:d2");
	snprintf(d1, sizeof d1, "%s/d1/nosuch.so", tmpdir);
	snprintf(d2, sizeof d2, "%s/d2/nosuch.so", tmpdir);
	snprintf(inst, sizeof inst, "%s/nosuch.so", plugin_dir());
	exe_apps(apps, sizeof apps - 16);
	strcat(apps, "/nosuch.so");
	ck_assert_int_eq(plugin_find("nosuch", out, sizeof out, &e), -1);
	expect_in_order(e.msg, want, 5);
	ck_assert_ptr_nonnull(strstr(e.msg, "MR_PLUGIN_PATH"));
	/* Without MR_PLUGIN_PATH: the installed folder, then the program's. */
	unsetenv("MR_PLUGIN_PATH");
	ck_assert_int_eq(plugin_find("nosuch", out, sizeof out, &e), -1);
	ck_assert_ptr_null(strstr(e.msg, tmpdir));
	expect_in_order(e.msg, want + 3, 2);
	ck_assert_int_eq(plugin_find("", out, sizeof out, &e), -1);
	ck_assert_str_eq(e.msg, "empty plugin name");
}
END_TEST

/* A name holding a slash is a path, never looked up, even when missing. */
START_TEST(test_find_slash)
{
	struct err e = { "" };
	char out[PATH_MAX], p[300];

	subdir("d1");
	link_built("apps/wc.so", "d1/wc.so");
	link_built("apps/wc.so", "d1/wc");
	set_path("d1");
	ck_assert_int_eq(plugin_find("sub/wc.so", out, sizeof out, &e), 0);
	ck_assert_str_eq(out, "sub/wc.so");
	ck_assert_int_eq(plugin_find("./wc", out, sizeof out, &e), 0);
	ck_assert_str_eq(out, "./wc");
	snprintf(p, sizeof p, "%s/d1/wc", tmpdir);
	ck_assert_int_eq(plugin_find(p, out, sizeof out, &e), 0);
	ck_assert_str_eq(out, p);
	check_wc(out);
}
END_TEST

/*
 * A bare x.so is the file in the current folder, as before plugin_find():
 * not the one in MR_PLUGIN_PATH, and not looked up there when missing.
 */
START_TEST(test_find_bare_so)
{
	struct err e = { "" };
	char out[PATH_MAX];

	subdir("d1");
	link_built("apps/wc.so", "x.so");
	link_built("test/fixtures/notplugin.so", "d1/x.so");
	link_built("apps/wc.so", "d1/y.so");
	set_path("d1");
	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_int_eq(plugin_find("x.so", out, sizeof out, &e), 0);
	check_wc(out);
	ck_assert_int_eq(plugin_find("y.so", out, sizeof out, &e), 0);
	ck_assert_str_eq(out, "y.so");
	expect_refused(out, "No such file");
}
END_TEST

/* A result that does not fit is an error, never a truncated path. */
START_TEST(test_find_too_long)
{
	struct err e = { "" };
	char out[16];

	subdir("d1");
	link_built("apps/wc.so", "d1/wc.so");
	set_path("d1");
	ck_assert_int_eq(plugin_find("wc", out, sizeof out, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "too long"));
	ck_assert_int_eq(plugin_find("/a/b/c/d/e/f/g/wc.so", out, sizeof out,
	    &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "too long"));
	ck_assert_int_eq(plugin_find("/a/b/c/d/wc.so", out, sizeof out, &e),
	    0);
	ck_assert_str_eq(out, "/a/b/c/d/wc.so");
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
	tcase_add_test(tc, test_abi1);
	tcase_add_test(tc, test_abi2_hooks);
	tcase_add_test(tc, test_other_abi);
	tcase_add_test(tc, test_load_wc);
	tcase_add_test(tc, test_bare_name);
	tcase_add_test(tc, test_digest);
	tcase_add_test(tc, test_digest_plugins);
	suite_add_tcase(s, tc);

	tc = tcase_create("find");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_find_path);
	tcase_add_test(tc, test_find_first_wins);
	tcase_add_test(tc, test_find_not_found);
	tcase_add_test(tc, test_find_slash);
	tcase_add_test(tc, test_find_bare_so);
	tcase_add_test(tc, test_find_too_long);
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
