/*
 * web.c - `mrctl web` (see web.h): the listening socket, the token, the
 * HTTP routes with libmicrohttpd, and the main thread that polls the
 * coordinator or waits for a signal.
 *
 * Routes: / (index.html), /app.js, /style.css: the page; GET /api/status:
 * the `mrctl status --json` document (with ?offset=&limit= and the
 * filters, its task list cut to a page: webdata.h); GET /api/history
 * ?since=N: attempts and workers changed since; POST /api/cancel: the
 * job ended as by Ctrl-C.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "ctlconn.h"
#include "jsontext.h"
#include "log.h"
#include "opts.h"
#include "web.h"
#include "webassets.h"
#include "webdata.h"
#include "webpoll.h"
#include "webreport.h"

/* Browsers served at once; each costs a few KiB, and one fd. */
#define WEB_CONNECTIONS_MAX 512

/* Seconds a connection may stay idle (or never read) before it is closed. */
#define WEB_IDLE_TIMEOUT 60

/* Bytes of randomness in the token (printed as hex). */
#define WEB_TOKEN_BYTES 16

/* Bytes a POST body may have; the cancel action needs none. */
#define WEB_BODY_MAX 4096

struct web {
	const struct web_config	*cfg;
	struct webdata		*wd;
	char			 token[2 * WEB_TOKEN_BYTES + 1];
	int			 loopback;	/* listening on the loopback only */
	unsigned		 port;
};

/* A request's state between the calls of one POST. */
struct web_request {
	size_t		 body;		/* bytes of body seen */
};

/* -------------------------------------------------------------------- */
/* The listening socket. */

/*
 * Splits [ADDR:]PORT ("8020", "127.0.0.1:8020", "[::1]:8020", ":8020" for
 * every address) into host (NULL: every address) and port. Returns 0, or
 * -1 when it is not of that form.
 */
static int
web_split_listen(const char *s, char *host, size_t hostsize,
    unsigned *port)
{
	unsigned long long p;
	const char *colon;
	size_t n;

	colon = strrchr(s, ':');
	if (colon == NULL) {
		host[0] = '\0';
		colon = s - 1;
	} else if (s[0] == '[') {
		if (colon == s || colon[-1] != ']')
			return -1;
		n = (size_t)(colon - s) - 2;
		if (n == 0 || n >= hostsize)
			return -1;
		memcpy(host, s + 1, n);
		host[n] = '\0';
	} else {
		n = (size_t)(colon - s);
		if (n >= hostsize || memchr(s, ':', n) != NULL)
			return -1;	/* IPv6 needs brackets */
		memcpy(host, s, n);
		host[n] = '\0';
	}
	if (opts_count(colon + 1, 0, 65535, &p) == -1)
		return -1;
	*port = (unsigned)p;
	return 0;
}

/* Whether a bound address is a loopback one (127/8, ::1, ::ffff:127/8). */
static int
web_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
		    in6->sin6_addr.s6_addr[12] == 127;
	}
	return 0;
}

/*
 * Listens on `listen`; sets w->loopback and w->port. Returns the socket,
 * or -1 with e set.
 */
static int
web_listen(struct web *w, const char *where, struct err *e)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[256], port[16];
	int fd = -1, one = 1, rc;

	if (web_split_listen(where, host, sizeof host, &w->port) == -1) {
		err_set(e, "--listen: expected [ADDR:]PORT, got '%s'", where);
		return -2;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof port, "%u", w->port);
	rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &ai);
	if (rc != 0) {
		err_set(e, "--listen %s: %s", where, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		err_sys(e, "socket");
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, 128) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		err_sys(e, "--listen %s", where);
		goto fail;
	}
	w->loopback = web_is_loopback(&ss);
	w->port = ntohs(ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	freeaddrinfo(ai);
	return fd;
fail:
	if (fd != -1)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}

/* The URL to print: the address as given (this host's name for "any"). */
static void
web_url(const struct web *w, const char *where, char *buf, size_t size)
{
	char host[256];
	unsigned port;

	if (web_split_listen(where, host, sizeof host, &port) == -1 ||
	    host[0] == '\0' || strcmp(host, "0.0.0.0") == 0 ||
	    strcmp(host, "::") == 0) {
		if (gethostname(host, sizeof host - 1) == -1)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
	}
	snprintf(buf, size, "http://%s%s%s:%u/?token=%s",
	    strchr(host, ':') != NULL ? "[" : "", host,
	    strchr(host, ':') != NULL ? "]" : "", w->port, w->token);
}

/* -------------------------------------------------------------------- */
/* Requests. */

/* Compares two strings in a time that does not tell where they differ. */
static int
web_same(const char *a, const char *b)
{
	size_t n = strlen(b);
	unsigned char d = 0;

	if (strlen(a) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* Whether the request carries the token, as a header or in the URL. */
static int
web_has_token(const struct web *w, struct MHD_Connection *c, int header_only)
{
	const char *t;

	t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-MR-Token");
	if (t == NULL && !header_only)
		t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
		    "token");
	return t != NULL && web_same(t, w->token);
}

/*
 * Whether the Host header names the loopback (localhost, 127.x.y.z,
 * [::1]) with our port: a page of another site that a DNS trick pointed
 * at us names its own.
 */
static int
web_host_ok(const struct web *w, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Host");
	char name[64], want[16];
	const char *colon;
	size_t n;
	struct in_addr a;

	if (h == NULL)
		return 0;
	colon = strrchr(h, ':');
	snprintf(want, sizeof want, "%u", w->port);
	if (colon == NULL || strcmp(colon + 1, want) != 0)
		return 0;
	n = (size_t)(colon - h);
	if (n == 0 || n >= sizeof name)
		return 0;
	memcpy(name, h, n);
	name[n] = '\0';
	if (strcasecmp(name, "localhost") == 0 || strcmp(name, "[::1]") == 0)
		return 1;
	return inet_pton(AF_INET, name, &a) == 1 &&
	    (ntohl(a.s_addr) >> 24) == 127;
}

/* Queues a response with the headers every answer has. */
static enum MHD_Result
web_respond(struct MHD_Connection *c, unsigned status,
    struct MHD_Response *r, const char *type, int cache)
{
	enum MHD_Result rc;

	if (r == NULL)
		fatal("out of memory");
	MHD_add_response_header(r, "Content-Type", type);
	/* Nothing but our own files, no frames, no referrer with the token. */
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
	    "form-action 'none'; frame-ancestors 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cache-Control", cache ? "max-age=60" :
	    "no-store");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* A JSON answer of text, which it frees. */
static enum MHD_Result
web_json(struct MHD_Connection *c, unsigned status, char *text)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	return web_respond(c, status, r, "application/json", 0);
}

/* {"error": msg}. */
static enum MHD_Result
web_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	json_t *o = json_object();
	char *text;

	if (o == NULL || json_object_set_new(o, "error",
	    jsontext_new(msg)) == -1 || (text = json_dumps(o, 0)) == NULL)
		fatal("out of memory");
	json_decref(o);
	return web_json(c, status, text);
}

/* A number argument of the URL, or def. */
static size_t
web_arg_num(struct MHD_Connection *c, const char *key, size_t def)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    key);
	unsigned long long n;

	if (v == NULL || opts_count(v, 0, (unsigned long long)1 << 40, &n) == -1)
		return def;
	return (size_t)n;
}

static enum MHD_Result
web_status(struct web *w, struct MHD_Connection *c)
{
	struct webdata_page pg;
	char *text;
	const char *order;

	memset(&pg, 0, sizeof pg);
	if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "limit") == NULL)
		text = webdata_status_json(w->wd, NULL);
	else {
		pg.state = MHD_lookup_connection_value(c,
		    MHD_GET_ARGUMENT_KIND, "state");
		pg.kind = MHD_lookup_connection_value(c,
		    MHD_GET_ARGUMENT_KIND, "kind");
		pg.sort = MHD_lookup_connection_value(c,
		    MHD_GET_ARGUMENT_KIND, "sort");
		pg.text = MHD_lookup_connection_value(c,
		    MHD_GET_ARGUMENT_KIND, "q");
		order = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
		    "order");
		pg.desc = order != NULL && strcmp(order, "desc") == 0;
		pg.offset = web_arg_num(c, "offset", 0);
		pg.limit = web_arg_num(c, "limit", 50);
		text = webdata_status_json(w->wd, &pg);
	}
	if (text == NULL)
		return web_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "no status yet");
	return web_json(c, MHD_HTTP_OK, text);
}

/* POST /api/cancel: the coordinator is asked to end the job. */
static enum MHD_Result
web_cancel(struct web *w, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	char from[128], why[256], addr[INET6_ADDRSTRLEN] = "?", *text;
	struct err e;
	json_t *o;
	int rc;

	if (w->cfg->report != NULL)
		return web_error(c, MHD_HTTP_CONFLICT, "this page shows a "
		    "report: its job is over");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)
			    (const void *)sa)->sin_addr, addr, sizeof addr);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
			    (const void *)sa)->sin6_addr, addr, sizeof addr);
	}
	snprintf(from, sizeof from, "the web page, from %s", addr);
	rc = ctlconn_cancel(&w->cfg->addr, from, why, sizeof why, &e);
	if (rc == -1)
		return web_error(c, MHD_HTTP_BAD_GATEWAY, e.msg);
	log_info("cancel from %s: %s", addr, rc == 1 ? "job cancelled" : why);
	o = json_object();
	if (o == NULL || json_object_set_new(o, "cancelled",
	    json_boolean(rc == 1)) == -1 || json_object_set_new(o, "why",
	    jsontext_new(rc == 1 ? "" : why)) == -1 ||
	    (text = json_dumps(o, 0)) == NULL)
		fatal("out of memory");
	json_decref(o);
	return web_json(c, rc == 1 ? MHD_HTTP_OK : MHD_HTTP_CONFLICT, text);
}

static enum MHD_Result
web_handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct web_request *rq = *con_cls;
	const struct webasset *a;
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	int api = strncmp(url, "/api/", 5) == 0;

	(void)version;
	(void)upload;
	/* The first call of a request: its headers are in. */
	if (rq == NULL) {
		rq = xcalloc(1, sizeof *rq);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		rq->body += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->body > WEB_BODY_MAX)
		return web_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
		    "request body too large");
	/* The page's own files hold nothing of the job. */
	if (!api) {
		if (!get)
			return web_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method not allowed");
		if ((a = webassets_find(url)) == NULL)
			return web_error(c, MHD_HTTP_NOT_FOUND, "no such page");
		return web_respond(c, MHD_HTTP_OK,
		    MHD_create_response_from_buffer(a->len, (void *)a->data,
		    MHD_RESPMEM_PERSISTENT), a->type, 1);
	}
	if (w->loopback && !web_host_ok(w, c))
		return web_error(c, MHD_HTTP_FORBIDDEN, "the Host header does "
		    "not name the loopback address this server listens on");
	if (!w->loopback && !web_has_token(w, c, 0))
		return web_error(c, MHD_HTTP_FORBIDDEN, "the token is missing "
		    "or wrong: open the URL mrctl web printed");
	if (strcmp(url, "/api/cancel") == 0) {
		if (strcmp(method, "POST") != 0)
			return web_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "cancel is a POST");
		if (!web_has_token(w, c, 1))
			return web_error(c, MHD_HTTP_FORBIDDEN, "cancelling "
			    "needs the token (X-MR-Token): open the URL mrctl "
			    "web printed");
		return web_cancel(w, c);
	}
	if (!get)
		return web_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed");
	if (strcmp(url, "/api/status") == 0)
		return web_status(w, c);
	if (strcmp(url, "/api/history") == 0)
		return web_json(c, MHD_HTTP_OK, webdata_history_json(w->wd,
		    web_arg_num(c, "since", 0)));
	return web_error(c, MHD_HTTP_NOT_FOUND, "no such page");
}

static void
web_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static void
web_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("http: %s", msg);
}

/* -------------------------------------------------------------------- */

int
web_main(const struct web_config *cfg)
{
	const char *where = cfg->listen != NULL ? cfg->listen :
	    WEB_DEFAULT_LISTEN;
	struct web w;
	struct MHD_Daemon *d = NULL;
	struct webpoll *wp = NULL;
	unsigned char raw[WEB_TOKEN_BYTES];
	char url[512], source[sizeof cfg->addr.sun_path + 16];
	sigset_t sigs;
	struct err e;
	int fd, sig, status = 1;

	memset(&w, 0, sizeof w);
	w.cfg = cfg;
	/* A typo in --listen is told before anything is read. */
	if (web_split_listen(where, url, sizeof url, &w.port) == -1) {
		log_warn("--listen: expected [ADDR:]PORT, got '%s'", where);
		return 2;
	}
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		fatal("getrandom: %s", strerror(errno));
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(w.token + 2 * i, 3, "%02x", raw[i]);

	/* The poller sleeps in sigtimedwait(): no other thread may take them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if (cfg->report != NULL) {
		w.wd = webdata_new(cfg->report, 0);
		if (webreport_load(w.wd, cfg->report, &e) == -1) {
			log_warn("%s", e.msg);
			goto out;
		}
	} else {
		snprintf(source, sizeof source, "%s", cfg->addr.sun_path);
		w.wd = webdata_new(source, 1);
		wp = webpoll_new(w.wd, &cfg->addr);
		if (webpoll_first(wp, &e) == -1) {
			log_warn("%s", e.msg);
			goto out;
		}
	}
	fd = web_listen(&w, where, &e);
	if (fd < 0) {
		log_warn("%s", e.msg);
		status = fd == -2 ? 2 : 1;
		goto out;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, web_handle, &w,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_CONNECTIONS_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_IDLE_TIMEOUT,
	    MHD_OPTION_NOTIFY_COMPLETED, web_completed, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, web_mhd_log, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		log_warn("cannot start the HTTP server");
		close(fd);
		goto out;
	}
	web_url(&w, where, url, sizeof url);
	if (!w.loopback)
		log_info("listening beyond the loopback: the page and its data "
		    "need the token in the URL");
	/* The one line a user needs, on stdout for scripts. */
	printf("%s\n", url);
	fflush(stdout);
	/* A live job's page stays up once it is over, to show how it ended. */
	sig = wp != NULL ? webpoll_run(wp, &sigs) : 0;
	if (sig == 0) {
		if (wp != NULL)
			log_info("Ctrl-C stops serving the page");
		do
			sig = sigwaitinfo(&sigs, NULL);
		while (sig == -1 && errno == EINTR);
	}
	status = 0;
out:
	if (d != NULL)
		MHD_stop_daemon(d);
	webpoll_free(wp);
	webdata_free(w.wd);
	return status;
}
