/*
 * mapreduce.h - the plugin interface (SDK) for MapReduce applications.
 *
 * An application is a shared object that exports one descriptor named
 * `mr_app`, most easily with the MR_APP() macro:
 *
 *	#include <mapreduce.h>
 *
 *	static int wc_map(mr_emitter *out, const char *name,
 *	    const char *data, size_t len)
 *	{
 *		const char *word;
 *		size_t pos = 0, wlen;
 *
 *		while (mr_next_word(data, len, &pos, &word, &wlen))
 *			if (mr_emit(out, word, wlen, "1", 1) == -1)
 *				return -1;
 *		return 0;
 *	}
 *
 *	static int wc_reduce(mr_emitter *out, const char *key, size_t keylen,
 *	    mr_values *values)
 *	{
 *		const char *v;
 *		size_t vlen;
 *		uint64_t n, sum = 0;
 *
 *		while (mr_values_next(values, &v, &vlen) == 1) {
 *			if (mr_parse_u64(v, vlen, &n) == -1)
 *				return -1;
 *			sum += n;
 *		}
 *		return mr_emit_u64(out, key, keylen, sum);
 *	}
 *
 *	MR_APP("wc", wc_map, wc_reduce, mr_combine_sum);
 *
 * The combiner adds up each map task's counts before they are written;
 * mr_combine_sum is the SDK's own, which the framework runs natively.
 * Because reduce sums counts rather than counting values, it accepts those
 * partial counts (apps/wc.c is this example, complete).
 *
 * Build it with `cc -shared -fPIC $(pkg-config --cflags mapreduce) wc.c
 * -o wc.so` against the installed SDK (make install), or with -I<this
 * folder> in the source tree. The mr_* functions below are provided by the
 * program that loads the plugin (mrworker, mrsequential), so the plugin
 * links against nothing.
 *
 * Keys and values are byte strings (any bytes, NUL included) given as a
 * pointer and a length. Pointers handed to a callback are valid only until
 * the callback returns or, for values, until the next mr_values_next().
 * Callbacks return 0 on success and -1 on failure; a failure fails the task,
 * which the coordinator then gives to another worker.
 *
 * Callbacks run one at a time, on one thread. mrworker runs each task in a
 * process of its own, forked from the worker: what a callback changes in
 * memory (a static variable) lasts for that task only, and the process may
 * be killed at any moment (the task cancelled, the job over). reduce need
 * not read every value. An empty value has
 * length 0 and a non-NULL pointer. Output should depend only on the input:
 * a task may run more than once (after a timeout or a crash) and only one
 * run's output is kept.
 *
 * Version 2 of the interface adds, all optional: job parameters
 * (mr_param(), from -D NAME=VALUE), a failure's own words (mr_error()),
 * init and fini hooks, the byte offset of what map is given
 * (mr_input_offset()) and a partitioner (mr_partition_total_order() is a
 * ready one, for globally sorted outputs). A plugin built for version 1
 * loads and runs as before: it has none of these.
 */
#ifndef MAPREDUCE_H
#define MAPREDUCE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Interface version. A plugin built for version 1 (whose descriptor ends
 * after `combine`) still loads; one built for any other version is refused.
 */
#define MR_ABI_VERSION 2

/* Name of the descriptor symbol the loader looks up. */
#define MR_APP_SYMBOL "mr_app"

/* Where map, combine and reduce send their key/value records (opaque). */
typedef struct mr_emitter mr_emitter;

/* The values of one key, read one at a time (opaque). */
typedef struct mr_values mr_values;

/*
 * map: called once per input with the input's name exactly as given on the
 * coordinator's command line (NUL-terminated) and its whole contents
 * (`len` bytes, not NUL-terminated, may contain NUL bytes).
 */
typedef int (*mr_map_fn)(mr_emitter *out, const char *name,
    const char *data, size_t len);

/*
 * reduce: called once per distinct key, in key order (bytewise), with an
 * iterator over all the values emitted for that key. `key` is also
 * NUL-terminated for convenience. What it emits becomes lines
 * "key value\n" of mr-out-Y.
 *
 * combine (optional) has the same shape; it runs on the map side over the
 * values of one key from one map task and emits records that replace them,
 * so reduce must accept its output as values (wc: partial counts).
 */
typedef int (*mr_reduce_fn)(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values);

/*
 * init (optional, since 2): called once per worker process (and once by
 * mrsequential), after the job's parameters are known (mr_param() works)
 * and before the first task, in the process that runs the tasks or, when
 * a worker runs each task in a child process it forks, in that parent
 * before the first fork: every task then sees what init set up (a
 * compiled pattern, a table read from a file), inherited. Returns 0, or -1
 * after mr_error(): the worker then fails the first task it is given with
 * that text (so that the coordinator's failure message and the report say
 * it) and exits 1; mrsequential exits 1 with it.
 *
 * fini (optional, since 2): called once when the worker is done (the job
 * is over, or --max-tasks reached), in the same process as init, after
 * its last task; a task run in a child process changed nothing fini sees.
 * Not called when the worker dies or is killed, nor after a failed init.
 */
typedef int (*mr_init_fn)(void);
typedef void (*mr_fini_fn)(void);

/*
 * partition (optional, since 2): the reduce partition, from 0 to
 * nparts - 1, of a key emitted by map, as Hadoop's Partitioner; NULL is the
 * default, the lab's hash (FNV-1a of the key, modulo nparts). Called once
 * per distinct key of a map task (more often when the task spills), never
 * in mrsequential (one partition). It must depend on the key alone: every
 * record of a key must land in one partition. A value out of range fails
 * the task with an error naming it. mr_partition_total_order is a ready
 * one that sorts globally.
 */
typedef uint32_t (*mr_partition_fn)(const void *key, size_t keylen,
    uint32_t nparts);

struct mr_app {
	uint32_t	 abi_version;	/* MR_ABI_VERSION */
	const char	*name;		/* short name, for messages */
	mr_map_fn	 map;
	mr_reduce_fn	 reduce;
	mr_reduce_fn	 combine;	/* NULL when the app has none */
	/* Since version 2; a version 1 plugin has none of them. */
	mr_init_fn	 init;		/* NULL when none */
	mr_fini_fn	 fini;		/* NULL when none */
	mr_partition_fn	 partition;	/* NULL: the hash of the key */
};

/* Defines the exported descriptor of an application. */
#define MR_APP(appname, mapfn, reducefn, combinefn)			\
	MR_APP_DESC(.name = (appname), .map = (mapfn),			\
	    .reduce = (reducefn), .combine = (combinefn))

/*
 * The same with any of the descriptor's fields, by name, those left out
 * being NULL:
 *
 *	MR_APP_DESC(.name = "sort", .map = sort_map, .reduce = sort_reduce,
 *	    .partition = mr_partition_total_order);
 */
#define MR_APP_DESC(...)						\
	extern const struct mr_app mr_app				\
	    __attribute__((visibility("default")));			\
	const struct mr_app mr_app = {					\
		.abi_version = MR_ABI_VERSION, __VA_ARGS__		\
	}

/*
 * Emits one record. Returns 0, or -1 when the record cannot be stored (for
 * example a write error); the callback should then return -1.
 */
int	mr_emit(mr_emitter *out, const void *key, size_t keylen,
	    const void *value, size_t valuelen);

/* Emits a record whose value is the decimal text of `n`. */
int	mr_emit_u64(mr_emitter *out, const void *key, size_t keylen,
	    uint64_t n);

/*
 * Reads the next value of the current key into *value / *len. Returns 1 when
 * a value was read, 0 when there are no more, -1 on an error reading the
 * intermediate data (the task fails whatever the callback returns).
 */
int	mr_values_next(mr_values *values, const char **value, size_t *len);

/*
 * Parses a value holding decimal digits only (as written by mr_emit_u64).
 * Returns 0, or -1 when it is empty, holds anything else, or overflows.
 */
int	mr_parse_u64(const char *value, size_t len, uint64_t *n);

/* Flags of mr_emit_joined(). */
#define MR_JOIN_UNIQUE	0x1	/* keep one of equal values */
#define MR_JOIN_COUNT	0x2	/* start with the number of values and a space */

/*
 * Reads every value of the key, sorts them bytewise (as Go's sort.Strings)
 * and emits one record whose value is them joined by `sep` (a C string),
 * for reduce functions that list their values: with MR_JOIN_COUNT and
 * MR_JOIN_UNIQUE, "3 a,b,c" as the lab's indexer prints. Returns 0 or -1.
 */
int	mr_emit_joined(mr_emitter *out, const char *key, size_t keylen,
	    mr_values *values, const char *sep, int flags);

/*
 * A ready combiner for values that are decimal counts: emits the key once
 * with the sum of its values (it fails on a value that is not a decimal
 * number, or when the sum overflows 64 bits). Name it as an application's
 * combine and the framework adds counts natively as they are emitted, with
 * no call into the plugin per record.
 */
int	mr_combine_sum(mr_emitter *out, const char *key, size_t keylen,
	    mr_values *values);

/*
 * Finds the next word in data[*pos .. len): a maximal run of UTF-8 encoded
 * Unicode letters (general categories Lu, Ll, Lt, Lm, Lo), as Go's
 * unicode.IsLetter; every other byte, including invalid UTF-8, separates
 * words. Sets *word / *wordlen, advances *pos past it and returns 1; returns
 * 0 when no word is left.
 */
int	mr_next_word(const char *data, size_t len, size_t *pos,
	    const char **word, size_t *wordlen);

/*
 * Emits (word, value) for every word of data[0..len), words as
 * mr_next_word() finds them: the same records as that loop calling
 * mr_emit(), but the framework splits and stores in one native loop, with
 * no call per word (with mr_combine_sum as combiner, a word count's map
 * then runs about as fast as a plain C word count). Returns the number of
 * words emitted, or -1 like mr_emit().
 */
int64_t	mr_emit_words(mr_emitter *out, const char *data, size_t len,
	    const void *value, size_t valuelen);

/* Limits of the counters of mr_counter_add(). */
#define MR_COUNTER_NAME_MAX	63	/* bytes in a counter's name */
#define MR_COUNTERS_MAX		64	/* distinct counters per task attempt */

/*
 * Adds `delta` (which may be negative) to the named counter of the running
 * task attempt, for figures about the job rather than results: records
 * read, records skipped as malformed. map, reduce and combine may all call
 * it, as often as they like: it costs a hash of the name and no
 * allocation. Counters start at 0 with each attempt; the coordinator adds
 * up those of the attempt it accepts for each task (a task run again after
 * a crash or a timeout is counted once) and prints the totals when the job
 * ends; mrsequential prints its own. A combiner may run any number of
 * times, so counters meant to match mrsequential's are best kept in map and
 * reduce.
 *
 * `name` is 1 to MR_COUNTER_NAME_MAX bytes of printable ASCII without
 * spaces (NUL-terminated); an attempt may use at most MR_COUNTERS_MAX
 * distinct names. A bad name, one name too many or a counter overflowing
 * 64 bits is a bug in the plugin: the attempt fails with an error naming
 * the counter once the callback returns (so the job fails after its
 * retries), whatever the callback returns.
 *
 *	mr_counter_add("bad_records", 1);
 */
void	mr_counter_add(const char *name, int64_t delta);

/* Limits of the job parameters of mr_param(). */
#define MR_PARAM_NAME_MAX	63	/* bytes in a parameter's name */
#define MR_PARAM_VALUE_MAX	4096	/* bytes in its value */
#define MR_PARAMS_MAX		64	/* parameters per job */

/*
 * The value of the job parameter `name`, given as -D NAME=VALUE to
 * mrcoordinator, mrrun or mrsequential (as Hadoop's -D), or NULL when it
 * was not given. Any callback may call it, init included; the string
 * stays valid until the worker exits. A name is 1 to MR_PARAM_NAME_MAX
 * bytes of letters, digits, '.', '_' and '-'; a value any text of at most
 * MR_PARAM_VALUE_MAX bytes without a NUL (empty allowed). Parameters are
 * part of the job: a job run again with other ones is another job, and
 * does not resume the first.
 *
 *	const char *pat = mr_param("pattern");
 */
const char *mr_param(const char *name);

/* Longest text of mr_error(), in bytes; more is cut. */
#define MR_ERROR_MAX		400

/*
 * Says why the callback (or init) that is about to return -1 failed, in
 * printf's format: the text replaces "map function of APP failed" in the
 * worker's failure report, hence in the coordinator's log, its failure
 * message and the job report (mrsequential prints it). A map failure is
 * given as "INPUT: TEXT", a reduce or combine failure as "TEXT". The last
 * call before the callback returns wins; a callback that succeeds
 * discards it.
 *
 *	return mr_error("line at byte %llu: no tab", (unsigned long long)at);
 *
 * Returns -1, so that a callback can return it.
 */
int	mr_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * In map: the byte offset, in the input's text, of data[0]: 0 for a whole
 * file, the split's start for a split of a large one, the piece's start
 * (in the decompressed text) for a piece of a compressed one. So
 * mr_input_offset() + (p - data) is where the byte p was in the file, and
 * a file of fixed-size records knows each record's number. 0 outside map.
 */
uint64_t mr_input_offset(void);

/*
 * A ready partitioner for a total order: the partitions hold consecutive
 * ranges of keys (bytewise), so that `cat mr-out-0 ... mr-out-N` is sorted
 * by key, as Hadoop's TotalOrderPartitioner and TeraSort do. Name it as the
 * descriptor's partition: before its first map task, a worker runs map
 * over a sample of the job's inputs that the coordinator chose (pieces
 * spread evenly over every input, at most 64 KiB each, 4 MiB in all),
 * sorts the keys it emitted and takes the nparts - 1 split points at even
 * quantiles; the first worker to write them in the job folder
 * (mr-splits-<job id>) sets them for the whole job, and every map task of
 * every worker partitions with those. Records emitted while sampling go
 * nowhere and counters added then count for nothing. The split points are
 * the job's intermediate data: removed with mr-X-Y when the job is done.
 */
uint32_t mr_partition_total_order(const void *key, size_t keylen,
	    uint32_t nparts);

#endif
