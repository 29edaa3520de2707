/*
 * check_input - reading a map task's input (worker/input.h) and telling
 * how a file changed (common/stamp.h): an input compared with its planned
 * stamp when opened (size, modification time, inode), grown, rewritten,
 * replaced and removed while it was read, truncated under a guarded read
 * (the SIGBUS turned into an error, the process alive), the same with
 * changes allowed; and whole map tasks (worker/task.h) over a changed
 * input: the failure marked fatal, nothing written, and the next task of
 * the same process right. A compressed input's pieces (input_next()) are
 * exactly the splits of the same text uncompressed, at piece sizes below
 * and above the cut's search, over lines, lines longer than the search
 * and a text without newlines; a plain input is one piece; a corrupt
 * compressed input is INPUT_CORRUPT, naming the file and the byte.
 */
#include <sys/stat.h>

#include <sys/mman.h>
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "sdk.h"
#include "split.h"
#include "stamp.h"
#include "../worker/input.h"
#include "../worker/task.h"

static char dir[64];
static int oldcwd = -1;
static char self[PATH_MAX];	/* this program, for cases run on their own */

static void
setup(void)
{
	strcpy(dir, "/tmp/check_input-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(chdir(dir), 0);
}

static void
teardown(void)
{
	char cmd[128];

	if (oldcwd != -1) {
		if (fchdir(oldcwd) == -1)
			perror("fchdir");
		close(oldcwd);
		oldcwd = -1;
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		perror(cmd);
}

/* Writes `len` bytes of "word " repeated to `path`. */
static void
write_words(const char *path, size_t len)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < len; i++)
		fputc("word "[i % 5], f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
stamp_path(const char *path, struct stamp *s)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	stamp_of(&st, s);
}

START_TEST(test_stamp_diff)
{
	struct stamp a = { 100, 5, 7, 1 }, b;
	char buf[200];

	b = a;
	ck_assert(stamp_same(&a, &b));
	stamp_diff(&a, &b, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	b.size = 40;
	ck_assert(!stamp_same(&a, &b));
	stamp_diff(&a, &b, buf, sizeof buf);
	ck_assert_str_eq(buf, "size 100 -> 40 bytes");
	b = a;
	b.mtime_ns++;
	ck_assert(!stamp_same(&a, &b));
	stamp_diff(&a, &b, buf, sizeof buf);
	ck_assert_str_eq(buf, "modified (same size, new modification time)");
	b = a;
	b.ino = 8;
	stamp_diff(&a, &b, buf, sizeof buf);
	ck_assert_str_eq(buf, "replaced by another file (inode 7 -> 8)");
	b.size = 3;
	stamp_diff(&a, &b, buf, sizeof buf);
	ck_assert_str_eq(buf, "replaced by another file (inode 7 -> 8, size "
	    "100 -> 3 bytes)");
	b = a;
	b.dev = 2;
	ck_assert(!stamp_same(&a, &b));
	stamp_diff(&a, &b, buf, 10);
	ck_assert_uint_eq(strlen(buf), 9);
}
END_TEST

START_TEST(test_open_planned)
{
	struct input *in;
	struct stamp planned;
	struct err e = { "" };
	const char *data;
	size_t len;

	write_words("in.txt", 1000);
	stamp_path("in.txt", &planned);
	ck_assert_int_eq(input_open(&in, "in.txt", &planned, 0, &e), 0);
	ck_assert_int_eq(input_split(in, 0, 0, &data, &len, &e), 0);
	ck_assert_uint_eq(len, 1000);
	ck_assert_int_eq(memcmp(data, "word word", 9), 0);
	ck_assert_int_eq(input_verify(in, &e), 0);
	ck_assert_str_eq(input_changes(in), "");
	input_close(in);

	/* Grown between planning and reading: refused, naming file and size. */
	write_words("in.txt", 1500);
	ck_assert_int_eq(input_open(&in, "in.txt", &planned, 0, &e),
	    INPUT_CHANGED);
	ck_assert_ptr_null(in);
	ck_assert_str_eq(e.msg, "in.txt: changed since the job was planned: "
	    "size 1000 -> 1500 bytes");
	/* Allowed: read as it is, and said. */
	ck_assert_int_eq(input_open(&in, "in.txt", &planned, 1, &e), 0);
	ck_assert_int_eq(input_split(in, 0, 0, &data, &len, &e), 0);
	ck_assert_uint_eq(len, 1500);
	ck_assert_int_eq(input_verify(in, &e), 0);
	ck_assert_str_eq(input_changes(in), "size 1000 -> 1500 bytes");
	input_close(in);

	/* Gone since planned: a change; allowed, it cannot be read. */
	ck_assert_int_eq(unlink("in.txt"), 0);
	ck_assert_int_eq(input_open(&in, "in.txt", &planned, 0, &e),
	    INPUT_CHANGED);
	ck_assert_str_eq(e.msg, "in.txt: changed since the job was planned: "
	    "removed");
	ck_assert_int_eq(input_open(&in, "in.txt", &planned, 1, &e), -1);
	ck_assert_str_eq(e.msg, "in.txt: No such file or directory");

	/* Not there, not a regular file: plain errors, not changes. */
	ck_assert_int_eq(input_open(&in, "nothing.txt", NULL, 0, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "nothing.txt"));
	ck_assert_int_eq(input_open(&in, ".", NULL, 0, &e), -1);
	ck_assert_str_eq(e.msg, ".: not a regular file");
}
END_TEST

/*
 * Opens in.txt as planned, applies `change` while it is open, and checks
 * what input_verify() makes of it, without and with allow_changes.
 */
static void
verify_after(void (*change)(void), const char *want)
{
	struct input *in;
	struct stamp planned;
	struct err e = { "" };
	const char *data;
	size_t len;
	char msg[ERR_MAX];

	for (int allow = 0; allow <= 1; allow++) {
		write_words("in.txt", 1000);
		stamp_path("in.txt", &planned);
		ck_assert_int_eq(input_open(&in, "in.txt", &planned, allow, &e), 0);
		ck_assert_int_eq(input_split(in, 0, 0, &data, &len, &e), 0);
		ck_assert_uint_eq(len, 1000);
		change();
		if (allow == 0) {
			ck_assert_int_eq(input_verify(in, &e), INPUT_CHANGED);
			snprintf(msg, sizeof msg, "in.txt: changed since the job "
			    "was planned: %s", want);
			ck_assert_msg(strncmp(e.msg, msg, strlen(msg)) == 0,
			    "got '%s', want '%s'", e.msg, msg);
		} else {
			ck_assert_int_eq(input_verify(in, &e), 0);
			ck_assert_msg(strncmp(input_changes(in), want,
			    strlen(want)) == 0, "got '%s', want '%s'",
			    input_changes(in), want);
		}
		input_close(in);
	}
}

static void
grow(void)
{
	FILE *f = fopen("in.txt", "a");

	ck_assert_ptr_nonnull(f);
	fputs("more words", f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
rewrite(void)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 12345, 0 } };
	int fd = open("in.txt", O_WRONLY);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(pwrite(fd, "XXXX", 4, 10), 4);
	ck_assert_int_eq(futimens(fd, ts), 0);
	close(fd);
}

static void
replace(void)
{
	write_words("new.txt", 1000);
	ck_assert_int_eq(rename("new.txt", "in.txt"), 0);
}

static void
removed(void)
{
	ck_assert_int_eq(unlink("in.txt"), 0);
}

START_TEST(test_verify_changes)
{
	verify_after(grow, "size 1000 -> 1010 bytes");
	verify_after(rewrite, "modified (same size, new modification time)");
	verify_after(replace, "replaced by another file (inode ");
	verify_after(removed, "removed");
}
END_TEST

/* A map function's stand-in that truncates its input, then reads it all. */
struct reader {
	const char	*data;
	size_t		 len;
	unsigned	 sum;
	int		 ret;
};

static int
truncate_and_read(void *arg)
{
	struct reader *r = arg;

	ck_assert_int_eq(truncate("in.txt", 100), 0);
	for (size_t i = 0; i < r->len; i++)
		r->sum += (unsigned char)r->data[i];
	return r->ret;
}

static int
just_read(void *arg)
{
	struct reader *r = arg;

	for (size_t i = 0; i < r->len; i++)
		r->sum += (unsigned char)r->data[i];
	return r->ret;
}

START_TEST(test_guarded_truncation)
{
	struct input *in;
	struct stamp planned;
	struct err e = { "" };
	struct reader r = { NULL, 0, 0, 0 };

	for (int allow = 0; allow <= 1; allow++) {
		write_words("in.txt", 100000);
		stamp_path("in.txt", &planned);
		ck_assert_int_eq(input_open(&in, "in.txt", &planned, allow, &e), 0);
		ck_assert_int_eq(input_split(in, 0, 0, &r.data, &r.len, &e),
	    0);
		ck_assert_int_eq(input_guarded(in, truncate_and_read, &r, &e),
		    allow ? -1 : INPUT_CHANGED);
		ck_assert_str_eq(e.msg, allow ? "in.txt: changed while it was "
		    "read: size 100000 -> 100 bytes" : "in.txt: changed since "
		    "the job was planned: size 100000 -> 100 bytes");
		input_close(in);
	}
	/* The guard is off again: fn's own result comes back. */
	write_words("in.txt", 1000);
	ck_assert_int_eq(input_open(&in, "in.txt", NULL, 0, &e), 0);
	ck_assert_int_eq(input_split(in, 0, 0, &r.data, &r.len, &e),
	    0);
	ck_assert_int_eq(input_guarded(in, just_read, &r, &e), 0);
	r.ret = 7;
	ck_assert_int_eq(input_guarded(in, just_read, &r, &e), 1);
	input_close(in);
}
END_TEST

/*
 * Truncated between two splits: the next cut reads lost pages, and must
 * fail the split as a change rather than kill the process.
 */
START_TEST(test_split_cut_truncated)
{
	struct input *in;
	struct stamp planned;
	struct err e = { "" };
	const char *data;
	size_t len;

	for (int allow = 0; allow <= 1; allow++) {
		write_words("in.txt", 300000);
		stamp_path("in.txt", &planned);
		ck_assert_int_eq(input_open(&in, "in.txt", &planned, allow,
		    &e), 0);
		ck_assert_int_eq(input_split(in, 0, 65536, &data, &len, &e),
		    0);
		ck_assert_int_eq(truncate("in.txt", 100), 0);
		ck_assert_int_eq(input_split(in, 65536, 65536, &data, &len,
		    &e), allow ? -1 : INPUT_CHANGED);
		ck_assert_str_eq(e.msg, allow ? "in.txt: changed while it was "
		    "read: size 300000 -> 100 bytes" : "in.txt: changed since "
		    "the job was planned: size 300000 -> 100 bytes");
		ck_assert_ptr_null(data);
		input_close(in);
	}
}
END_TEST

/* write_words() without Check's asserts, which need a running test. */
static void
plain_words(const char *path, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		_exit(9);
	for (size_t i = 0; i < len; i++)
		fputc("word "[i % 5], f);
	if (fclose(f) != 0)
		_exit(9);
}

/* truncate_and_read() without Check's asserts. */
static int
plain_truncate_and_read(void *arg)
{
	struct reader *r = arg;

	if (truncate("in.txt", 100) != 0)
		_exit(9);
	for (size_t i = 0; i < r->len; i++)
		r->sum += (unsigned char)r->data[i];
	return r->ret;
}

/*
 * Runs case `name` as this program again (`check_input --child NAME`):
 * its signal handlers start as a program's do, with SIGBUS back to the
 * default (a sanitizer's handler would turn the death into an exit), and
 * it runs natively under valgrind, which does not follow exec. Returns
 * the signal that killed it, or 0 when it exited (whatever its status).
 */
static int
child_signal(const char *name)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		execl(self, self, "--child", name, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static int
raise_bus(void *arg)
{
	(void)arg;
	raise(SIGBUS);
	return 0;
}

/* A SIGBUS sent while the guard is armed kills, as it would without it. */
static void
sent_bus(void)
{
	struct input *in;
	struct err e;
	int rc;

	plain_words("sent.txt", 10000);
	if (input_open(&in, "sent.txt", NULL, 0, &e) != 0)
		_exit(3);
	rc = input_guarded(in, raise_bus, NULL, &e);
	input_close(in);
	_exit(rc == 0 ? 0 : 4);
}

START_TEST(test_sigbus_sent)
{
	ck_assert_int_eq(child_signal("sent-bus"), SIGBUS);
}
END_TEST

/* Reads the first byte of the (truncated) mapping, from another thread. */
static volatile unsigned char first_byte;

static void *
read_first(void *arg)
{
	first_byte = *(const volatile unsigned char *)arg;
	return NULL;
}

static int
thread_reads(void *arg)
{
	const char *data = arg;
	pthread_t t;

	if (truncate("thread.txt", 0) != 0 ||
	    pthread_create(&t, NULL, read_first, (void *)data) != 0)
		_exit(5);
	pthread_join(t, NULL);
	return 0;
}

/*
 * A fault on the guarded input from another thread is not the guarded
 * call's: that thread cannot jump onto the guarded thread's stack.
 */
static void
other_thread_bus(void)
{
	struct input *in;
	struct err e;
	const char *data;
	size_t len;

	plain_words("thread.txt", 100000);
	if (input_open(&in, "thread.txt", NULL, 0, &e) != 0 ||
	    input_split(in, 0, 0, &data, &len, &e) != 0)
		_exit(3);
	input_guarded(in, thread_reads, (void *)data, &e);
	_exit(6);
}

START_TEST(test_sigbus_other_thread)
{
	ck_assert_int_eq(child_signal("other-thread"), SIGBUS);
}
END_TEST

/* A handler of the program's own, there before the first input. */
static sigjmp_buf own_jump;
static volatile sig_atomic_t own_caught;

static void
own_sigbus(int sig)
{
	(void)sig;
	own_caught++;
	siglongjmp(own_jump, 1);
}

/*
 * A SIGBUS that is not the input's goes to the handler before it; a later
 * truncation under a guard is still the input's. In a process of its own,
 * this program again (`check_input --child handler-again`), so that the
 * handlers start as a program's do, and natively under valgrind (which
 * does not follow exec, and delivers a SIGBUS returned from its own way):
 * exit status 0 when all went well.
 */
static void
handler_again(void)
{
	struct sigaction sa;
	struct input *in;
	struct err e;
	struct reader r = { NULL, 0, 0, 0 };
	volatile const char *p;
	int fd, rc;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = own_sigbus;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) != 0)
		_exit(10);
	plain_words("in.txt", 100000);
	if (input_open(&in, "in.txt", NULL, 0, &e) != 0)
		_exit(11);
	input_close(in);

	/* Another mapping, truncated: the program's own handler gets it. */
	plain_words("other.txt", 100000);
	fd = open("other.txt", O_RDONLY);
	p = mmap(NULL, 100000, PROT_READ, MAP_PRIVATE, fd, 0);
	if (fd == -1 || p == MAP_FAILED || truncate("other.txt", 0) != 0)
		_exit(12);
	if (sigsetjmp(own_jump, 1) == 0)
		(void)p[50000];
	if (own_caught != 1)
		_exit(13);

	/* The next input's truncation is caught by the input again. */
	plain_words("in.txt", 100000);
	if (input_open(&in, "in.txt", NULL, 0, &e) != 0 ||
	    input_split(in, 0, 0, &r.data, &r.len, &e) != 0)
		_exit(14);
	rc = 0;
	if (sigsetjmp(own_jump, 1) == 0)
		rc = input_guarded(in, plain_truncate_and_read, &r, &e);
	_exit(own_caught != 1 ? 15 : rc != INPUT_CHANGED ? 16 : 0);
}

START_TEST(test_sigbus_handler_again)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		execl(self, self, "--child", "handler-again", (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WIFEXITED(status), 1);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/* A split input read through input_split() is cut where split.h says. */
START_TEST(test_split_no_newline)
{
	struct input *in;
	struct err e = { "" };
	const char *data, *base = NULL;
	size_t len, total = 0, next = 0;

	write_words("in.txt", 1000003);
	ck_assert_int_eq(input_open(&in, "in.txt", NULL, 0, &e), 0);
	for (uint64_t off = 0; off < 1000003; off += 65536) {
		ck_assert_int_eq(input_split(in, off, off + 65536 < 1000003 ?
		    65536 : 0, &data, &len, &e), 0);
		if (base == NULL)
			base = data;
		ck_assert_uint_eq((size_t)(data - base), next);
		/*
		 * After a space (a gap), a few bytes past the nominal cut;
		 * the last split is empty, its cut seeing the end (split.h).
		 */
		if (off > 0 && off + SPLIT_SEEK_MAX < 1000003) {
			ck_assert_int_eq(data[-1], ' ');
			ck_assert_uint_le((size_t)(data - base) - off, 5);
		}
		next += len;
		total += len;
	}
	ck_assert_uint_eq(total, 1000003);
	input_close(in);
}
END_TEST

/* A wc-like map whose first call truncates its input before reading it. */
static int truncate_first;

static int
counting_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	unsigned sum = 0;

	if (truncate_first) {
		truncate_first = 0;
		ck_assert_int_eq(truncate(name, 10), 0);
	}
	for (size_t i = 0; i < len; i++)
		sum += (unsigned char)data[i];
	if (mr_emit_u64(out, "bytes", 5, len) == -1 ||
	    mr_emit_u64(out, "sum", 3, sum) == -1)
		return -1;
	return 0;
}

START_TEST(test_maptask_changed)
{
	const struct mr_app app = { MR_ABI_VERSION, "counting", counting_map,
	    NULL, NULL };
	struct task_result res = { 0 };
	struct err e = { "" };
	struct stamp planned;
	struct task_spec spec = { .id = 0, .input = "in.txt", .nreduce = 1,
	    .memory = TASK_MEMORY_DEFAULT, .stamp = &planned };
	struct stat st;

	/* Truncated under map: the attempt fails, fatal, nothing written. */
	write_words("in.txt", 200000);
	stamp_path("in.txt", &planned);
	truncate_first = 1;
	ck_assert_int_eq(maptask_run(&app, &spec, &res, &e), -1);
	ck_assert_int_eq(res.fatal, 1);
	ck_assert_str_eq(e.msg, "in.txt: changed since the job was planned: "
	    "size 200000 -> 10 bytes");
	ck_assert_int_eq(stat("mr-0-0", &st), -1);
	task_result_clear(&res);

	/* Changed before: the same, without running map. */
	ck_assert_int_eq(maptask_run(&app, &spec, &res, &e), -1);
	ck_assert_int_eq(res.fatal, 1);
	ck_assert_str_eq(e.msg, "in.txt: changed since the job was planned: "
	    "size 200000 -> 10 bytes");
	task_result_clear(&res);

	/* Allowed: read as it is, and said; the output is the new file's. */
	spec.allow_changes = 1;
	ck_assert_int_eq(maptask_run(&app, &spec, &res, &e), 0);
	ck_assert_int_eq(res.fatal, 0);
	ck_assert_uint_eq(res.bytes_in, 10);
	ck_assert_str_eq(res.changed, "size 200000 -> 10 bytes");
	ck_assert_int_eq(stat("mr-0-0", &st), 0);
	task_result_clear(&res);

	/* The same process runs its next task right after a fault. */
	write_words("in.txt", 5000);
	stamp_path("in.txt", &planned);
	spec.allow_changes = 0;
	spec.id = 1;
	ck_assert_int_eq(maptask_run(&app, &spec, &res, &e), 0);
	ck_assert_uint_eq(res.bytes_in, 5000);
	ck_assert_str_eq(res.changed, "");
	ck_assert_int_eq(stat("mr-1-0", &st), 0);
	task_result_clear(&res);
	/* A fault with changes allowed fails the attempt, not the job. */
	truncate_first = 1;
	spec.allow_changes = 1;
	spec.id = 2;
	ck_assert_int_eq(maptask_run(&app, &spec, &res, &e), -1);
	ck_assert_int_eq(res.fatal, 0);
	ck_assert_str_eq(e.msg, "in.txt: changed while it was read: size "
	    "5000 -> 10 bytes");
	task_result_clear(&res);
}
END_TEST

/* Writes data[0..len) to path, gzip-compressed. */
static void
write_gz(const char *path, const char *data, size_t len)
{
	gzFile g = gzopen(path, "wb6");

	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(gzwrite(g, data, (unsigned)len), (int)len);
	ck_assert_int_eq(gzclose(g), Z_OK);
}

/* Texts: short lines, lines past SPLIT_SEEK_MAX, and no newline at all. */
static char *
text_of(int kind, size_t len)
{
	char *t = malloc(len + 1);

	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < len; i++) {
		switch (kind) {
		case 0:
			t[i] = i % 37 == 36 ? '\n' : 'a' + (char)(i % 26);
			break;
		case 1:
			t[i] = i % 150001 == 150000 ? '\n' : i % 9 == 8 ? ' ' :
			    'x';
			break;
		default:
			t[i] = i % 7 == 6 ? ' ' : 'y';
			break;
		}
	}
	return t;
}

START_TEST(test_next_pieces)
{
	uint64_t sizes[] = { 1000, 4096, 65536, 100000, 1 << 20 };
	size_t len = 700000;
	struct input *plain, *gz;
	const char *pd, *gd;
	size_t pl, gl;
	struct err e;

	for (int kind = 0; kind < 3; kind++) {
		char *t = text_of(kind, len);
		FILE *f = fopen("t.txt", "w");

		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(t, 1, len, f), len);
		fclose(f);
		write_gz("t.txt.gz", t, len);
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			uint64_t n = split_count(len, sizes[s]), got = 0;

			ck_assert_int_eq(input_open(&plain, "t.txt", NULL, 0,
			    &e), 0);
			ck_assert_int_eq(input_open(&gz, "t.txt.gz", NULL, 0,
			    &e), 0);
			ck_assert(input_compressed(gz) && !input_compressed(plain));
			input_set_piece(gz, sizes[s]);
			ck_assert_int_eq(input_split(gz, 0, 0, &gd, &gl, &e), 0);
			ck_assert_uint_eq(gl, 0);
			for (uint64_t k = 0; k < n; k++) {
				ck_assert_int_eq(input_split(plain, k * sizes[s],
				    k + 1 < n ? sizes[s] : 0, &pd, &pl, &e), 0);
				ck_assert_int_eq(input_next(gz, &gd, &gl, &e), 1);
				ck_assert_msg(gl == pl && memcmp(gd, pd, pl) == 0,
				    "kind %d, size %llu, piece %llu: %zu bytes, "
				    "not %zu", kind, (unsigned long long)sizes[s],
				    (unsigned long long)k, gl, pl);
				got += gl;
			}
			ck_assert_int_eq(input_next(gz, &gd, &gl, &e), 0);
			ck_assert_uint_eq(got, len);
			/* A plain file: its split, once. */
			ck_assert_int_eq(input_next(plain, &pd, &pl, &e), 1);
			ck_assert_int_eq(input_next(plain, &pd, &pl, &e), 0);
			ck_assert_int_eq(input_verify(gz, &e), 0);
			input_close(plain);
			input_close(gz);
		}
		free(t);
	}
	/* An empty text is one empty piece. */
	write_gz("e.gz", "", 0);
	ck_assert_int_eq(input_open(&gz, "e.gz", NULL, 0, &e), 0);
	ck_assert_int_eq(input_next(gz, &gd, &gl, &e), 1);
	ck_assert_uint_eq(gl, 0);
	ck_assert_int_eq(input_next(gz, &gd, &gl, &e), 0);
	input_close(gz);
}
END_TEST

START_TEST(test_next_corrupt)
{
	char *t = text_of(0, 200000);
	struct input *gz;
	const char *d;
	size_t l;
	struct err e;
	int rc, fd;

	write_gz("c.gz", t, 200000);
	fd = open("c.gz", O_WRONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(pwrite(fd, "\xff\xff\xff\xff", 4, 100), 4);
	close(fd);
	ck_assert_int_eq(input_open(&gz, "c.gz", NULL, 0, &e), 0);
	input_set_piece(gz, 4096);
	while ((rc = input_next(gz, &d, &l, &e)) == 1)
		;
	ck_assert_int_eq(rc, INPUT_CORRUPT);
	ck_assert(INPUT_FATAL(rc));
	ck_assert_msg(strncmp(e.msg, "c.gz: corrupt gzip data at byte ", 32)
	    == 0, "%s", e.msg);
	input_close(gz);
	free(t);
}
END_TEST

static Suite *
input_suite(void)
{
	Suite *s = suite_create("input");
	TCase *tc = tcase_create("input");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_stamp_diff);
	tcase_add_test(tc, test_open_planned);
	tcase_add_test(tc, test_verify_changes);
	tcase_add_test(tc, test_guarded_truncation);
	tcase_add_test(tc, test_split_no_newline);
	tcase_add_test(tc, test_split_cut_truncated);
	tcase_add_test(tc, test_sigbus_sent);
	tcase_add_test(tc, test_sigbus_other_thread);
	tcase_add_test(tc, test_sigbus_handler_again);
	tcase_add_test(tc, test_maptask_changed);
	tcase_add_test(tc, test_next_pieces);
	tcase_add_test(tc, test_next_corrupt);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	if (argc == 3 && strcmp(argv[1], "--child") == 0) {
		alarm(20);
		signal(SIGBUS, SIG_DFL);
		if (strcmp(argv[2], "sent-bus") == 0)
			sent_bus();
		if (strcmp(argv[2], "other-thread") == 0)
			other_thread_bus();
		if (strcmp(argv[2], "handler-again") == 0)
			handler_again();
		return 2;
	}
	if (realpath("/proc/self/exe", self) == NULL) {
		perror("/proc/self/exe");
		return EXIT_FAILURE;
	}
	sr = srunner_create(input_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
