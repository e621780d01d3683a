/*
 * test_dashboard.c - `hpo dashboard` end to end: the real binary on a free
 * loopback port, over a SQLite storage that this process keeps writing to.
 *
 * HTTP is spoken by hand on a socket, so malformed and oversized requests can
 * be sent: 404 for unknown paths and every traversal spelling, 405 for
 * writes, 414/431 for requests past the size bound, escaped hostile study and
 * parameter names in HTML and JSON, and JSON documents that parse. When
 * Debian's chromium is installed, a headless browser loads the study page
 * (--dump-dom) and must see the trial count, the best value and a plot SVG.
 */
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/test_util.h"

#define EVIL     "<script>alert(1)</script>"
#define EVIL_URL "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
#define CHROMIUM "/usr/bin/chromium"

static struct {
    char dir[64];
    char url[128];
    pid_t pid;
    unsigned port;
    hpo_storage *storage;
    hpo_study *study;
} g;

/*=========================== helpers ===========================*/

static void add_trials(size_t n)
{
    const char *choices[] = {"adam", "<b>sgd</b>"};
    for (size_t i = 0; i < n; i++) {
        hpo_trial *t = NULL;
        double x, v;
        size_t c;
        assert_ok(hpo_study_ask(g.study, &t));
        assert_ok(hpo_trial_suggest_float(t, EVIL, -2.0, 2.0, HPO_NO_STEP, false, &x));
        assert_ok(hpo_trial_suggest_categorical_str(t, "opt", choices, 2, &c));
        assert_ok(hpo_trial_report(t, x * x + 1.0, 0));
        v = x * x + 0.5 * (double)c;
        assert_ok(hpo_study_tell(g.study, t, HPO_TRIAL_COMPLETE, &v, 1));
        hpo_trial_free(t);
    }
}

/* One request; returns the status code and the whole response in *out (free it). */
static int http(const char *raw, size_t raw_len, char **out)
{
    struct sockaddr_in a;
    struct timeval tv = {20, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0), code = -1;
    size_t len = 0, cap = 1 << 16, sent = 0;
    char *buf = malloc(cap + 1);
    assert_true(fd >= 0);
    assert_non_null(buf);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)g.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    while (sent < raw_len) {
        ssize_t k = send(fd, raw + sent, raw_len - sent, MSG_NOSIGNAL);
        if (k <= 0)
            break; /* the server may stop reading an oversized request */
        sent += (size_t)k;
    }
    for (;;) {
        ssize_t k;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        k = recv(fd, buf + len, cap - len, 0);
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    buf[len] = '\0';
    close(fd);
    if (len > 12 && strncmp(buf, "HTTP/1.", 7) == 0)
        code = atoi(buf + 9);
    if (out)
        *out = buf;
    else
        free(buf);
    return code;
}

static int get(const char *path, char **out)
{
    char req[4096];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Connection: close\r\n\r\n",
                     path);
    assert_true(n > 0 && (size_t)n < sizeof(req));
    return http(req, (size_t)n, out);
}

static const char *body_of(const char *resp)
{
    const char *b = strstr(resp, "\r\n\r\n");
    return b ? b + 4 : "";
}

/*=========================== fixture ===========================*/

static int start(void **state)
{
    const char *build = getenv("HPO_TEST_BUILD");
    char bin[256], line[256];
    hpo_direction dir = HPO_MINIMIZE;
    int pipefd[2];
    FILE *f;
    (void)state;
    snprintf(bin, sizeof(bin), "%s/hpo", build ? build : "build/release");
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "# %s missing\n", bin);
        return -1;
    }
    snprintf(g.dir, sizeof(g.dir), "/tmp/hpo-dash-XXXXXX");
    if (mkdtemp(g.dir) == NULL)
        return -1;
    snprintf(g.url, sizeof(g.url), "sqlite:///%s/dash.db", g.dir);
    if (hpo_storage_open(&g.storage, g.url) != HPO_OK ||
        hpo_study_create(&g.study, g.storage, EVIL, &dir, 1, NULL) != HPO_OK) {
        fprintf(stderr, "# storage: %s\n", hpo_last_error());
        return -1;
    }
    add_trials(30);
    if (pipe(pipefd) != 0)
        return -1;
    g.pid = fork();
    if (g.pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        execl(bin, bin, "dashboard", "--storage", g.url, "--port", "0", (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    f = fdopen(pipefd[0], "r");
    if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
        fprintf(stderr, "# the dashboard did not start\n");
        return -1;
    }
    fclose(f);
    {
        const char *p = strstr(line, "127.0.0.1:");
        if (p == NULL)
            return -1;
        g.port = (unsigned)atoi(p + 10);
    }
    return g.port > 0 ? 0 : -1;
}

static int stop(void **state)
{
    int status = 0;
    char cmd[128];
    (void)state;
    if (g.pid > 0) {
        kill(g.pid, SIGTERM);
        waitpid(g.pid, &status, 0);
    }
    hpo_study_free(g.study);
    hpo_storage_free(g.storage);
    snprintf(cmd, sizeof(cmd), "%s/dash.db", g.dir);
    unlink(cmd);
    snprintf(cmd, sizeof(cmd), "%s/dash.db-wal", g.dir);
    unlink(cmd);
    snprintf(cmd, sizeof(cmd), "%s/dash.db-shm", g.dir);
    unlink(cmd);
    rmdir(g.dir);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*=========================== pages ===========================*/

static void test_study_list_escapes_names(void **state)
{
    char *r = NULL;
    (void)state;
    hpo_assert_eq_i64(get("/", &r), 200);
    assert_non_null(strstr(r, "Content-Type: text/html"));
    assert_non_null(strstr(r, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(body_of(r), "<script"));
    /* The link carries the name percent-encoded. */
    assert_non_null(strstr(r, "/study?name=%3Cscript%3Ealert%281%29%3C%2Fscript%3E"));
    free(r);
}

static void test_study_page(void **state)
{
    char *r = NULL;
    (void)state;
    hpo_assert_eq_i64(get("/study?name=" EVIL_URL, &r), 200);
    assert_non_null(strstr(r, "id=\"trial-count\">30<"));
    assert_non_null(strstr(r, "id=\"best-value\">"));
    assert_non_null(strstr(r, "<svg "));
    assert_non_null(strstr(r, "id=\"plot-history\""));
    assert_null(strstr(body_of(r), "<script"));
    assert_null(strstr(body_of(r), "<b>sgd"));
    assert_non_null(strstr(r, "Content-Security-Policy"));
    free(r);
    hpo_assert_eq_i64(get("/study?name=" EVIL_URL "&page=1&order=value", &r), 200);
    assert_non_null(strstr(r, "page 1 of 1"));
    free(r);
    hpo_assert_eq_i64(get("/study?name=nope", NULL), 404);
    hpo_assert_eq_i64(get("/study", NULL), 400);
    hpo_assert_eq_i64(get("/study?name=" EVIL_URL "&page=-1", NULL), 400);
}

static void test_trial_page_and_plot(void **state)
{
    char *r = NULL;
    (void)state;
    hpo_assert_eq_i64(get("/trial?study=" EVIL_URL "&number=3", &r), 200);
    assert_non_null(strstr(r, "Trial 3"));
    assert_non_null(strstr(r, "id=\"intermediate\""));
    assert_null(strstr(body_of(r), "<script"));
    free(r);
    hpo_assert_eq_i64(get("/trial?study=" EVIL_URL "&number=999", NULL), 404);
    hpo_assert_eq_i64(get("/trial?study=" EVIL_URL "&number=x", NULL), 400);
    hpo_assert_eq_i64(get("/plot?study=" EVIL_URL "&kind=slice", &r), 200);
    assert_non_null(strstr(r, "image/svg+xml"));
    assert_true(strncmp(body_of(r), "<svg ", 5) == 0);
    free(r);
    hpo_assert_eq_i64(get("/plot?study=" EVIL_URL "&kind=pie", NULL), 400);
    hpo_assert_eq_i64(get("/plot?study=" EVIL_URL "&kind=pareto", NULL), 400);
}

static void test_json_endpoints(void **state)
{
    char *r = NULL;
    json_t *j;
    json_error_t err;
    (void)state;
    hpo_assert_eq_i64(get("/api/studies", &r), 200);
    assert_non_null(strstr(r, "application/json"));
    assert_non_null(strstr(r, "\\u003cscript\\u003e"));
    j = json_loads(body_of(r), 0, &err);
    assert_non_null(j);
    assert_true(json_is_array(j));
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "name")), EVIL);
    json_decref(j);
    free(r);
    hpo_assert_eq_i64(get("/api/study?name=" EVIL_URL, &r), 200);
    j = json_loads(body_of(r), 0, &err);
    assert_non_null(j);
    hpo_assert_eq_i64(json_integer_value(json_object_get(j, "n_trials")), 30);
    assert_non_null(json_object_get(json_object_get(j, "importance"), EVIL));
    json_decref(j);
    free(r);
    hpo_assert_eq_i64(get("/api/trials?study=" EVIL_URL "&offset=10&limit=5", &r), 200);
    j = json_loads(body_of(r), 0, &err);
    assert_non_null(j);
    hpo_assert_eq_i64(json_array_size(json_object_get(j, "trials")), 5);
    hpo_assert_eq_i64(json_integer_value(json_object_get(
                              json_array_get(json_object_get(j, "trials"), 0), "number")),
                      10);
    json_decref(j);
    free(r);
    hpo_assert_eq_i64(get("/api/trial?study=" EVIL_URL "&number=0", &r), 200);
    j = json_loads(body_of(r), 0, &err);
    assert_non_null(j);
    hpo_assert_eq_i64(json_array_size(json_object_get(j, "intermediate_values")), 1);
    json_decref(j);
    free(r);
    hpo_assert_eq_i64(get("/api/trials?study=" EVIL_URL "&limit=99999999", NULL), 400);
}

/*=========================== hostile requests ===========================*/

static void test_not_found_and_traversal(void **state)
{
    const char *paths[] = {
            "/nope",
            "/../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/..%2f..%2fetc%2fpasswd",
            "/study/../../etc/passwd",
            "/static/..%5c..%5cwin.ini",
            "/%00",
            "//etc/passwd",
            "/api/../../etc/shadow",
            "/index.html",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        char *r = NULL;
        int code = get(paths[i], &r);
        if (code != 404 && code != 400)
            fail_msg("%s gave %d", paths[i], code);
        assert_null(strstr(r, "root:"));
        free(r);
    }
}

static void test_methods_and_oversized(void **state)
{
    char *big, *r = NULL;
    const char post[] = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                        "Connection: close\r\n\r\nhello";
    const char head[] = "HEAD /study?name=" EVIL_URL " HTTP/1.1\r\nHost: x\r\n"
                        "Connection: close\r\n\r\n";
    size_t n = 200000;
    int code;
    (void)state;
    hpo_assert_eq_i64(http(post, sizeof(post) - 1, NULL), 405);
    hpo_assert_eq_i64(http(head, sizeof(head) - 1, &r), 200);
    assert_null(strstr(r, "<html"));
    free(r);
    /* A 200 kB request line and then a 200 kB header: refused, and the server lives on. */
    big = malloc(n + 128);
    assert_non_null(big);
    memcpy(big, "GET /", 5);
    memset(big + 5, 'a', n);
    memcpy(big + 5 + n, " HTTP/1.1\r\nHost: x\r\n\r\n", 23);
    code = http(big, n + 28, NULL);
    assert_true(code == 414 || code == 431 || code == 400 || code == -1);
    memcpy(big, "GET / HTTP/1.1\r\nX-Big: ", 23);
    memset(big + 23, 'b', n);
    memcpy(big + 23 + n, "\r\n\r\n", 4);
    code = http(big, n + 27, NULL);
    assert_true(code == 431 || code == 413 || code == 400 || code == -1);
    free(big);
    code = http("garbage\r\n\r\n", 11, NULL);
    assert_true(code == 400 || code == -1);
    hpo_assert_eq_i64(get("/", NULL), 200);
}

/* The dashboard only reads: trials written meanwhile show up on the next request. */
static void test_sees_concurrent_writes(void **state)
{
    char *r = NULL;
    (void)state;
    add_trials(5);
    hpo_assert_eq_i64(get("/study?name=" EVIL_URL, &r), 200);
    assert_non_null(strstr(r, "id=\"trial-count\">35<"));
    free(r);
}

/*=========================== the CLI commands ===========================*/

/* Run hpo with args (NULL-terminated); stdout into *out (free it); returns the exit status. */
static int run_hpo(const char *const *args, char **out)
{
    const char *build = getenv("HPO_TEST_BUILD");
    char bin[256];
    const char *argv[16];
    int fds[2], status = -1;
    size_t n = 0, len = 0, cap = 1 << 16;
    char *buf = malloc(cap + 1);
    pid_t pid;
    assert_non_null(buf);
    snprintf(bin, sizeof(bin), "%s/hpo", build ? build : "build/release");
    argv[n++] = bin;
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    assert_int_equal(pipe(fds), 0);
    if ((pid = fork()) == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        if (getenv("HPO_TEST_VERBOSE") == NULL)
            freopen("/dev/null", "w", stderr);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    for (ssize_t k; (k = read(fds[0], buf + len, cap - len)) > 0;) {
        len += (size_t)k;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
    }
    close(fds[0]);
    buf[len] = '\0';
    waitpid(pid, &status, 0);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_cli_plot_importance_report(void **state)
{
    char svg[128], html[128], *out = NULL;
    json_t *j;
    json_error_t err;
    (void)state;
    snprintf(svg, sizeof(svg), "%s/h.svg", g.dir);
    snprintf(html, sizeof(html), "%s/r.html", g.dir);
    {
        const char *a[] = {"plot", "history", "--storage", g.url, "--study", EVIL, "-o", svg, NULL};
        hpo_assert_eq_i64(run_hpo(a, NULL), 0);
    }
    {
        const char *a[] = {"plot", "contour",  "--storage", g.url, "--study",
                           EVIL,   "--params", "opt," EVIL, NULL};
        hpo_assert_eq_i64(run_hpo(a, &out), 0);
        assert_true(strncmp(out, "<svg ", 5) == 0);
        assert_null(strstr(out, "<script"));
        free(out);
    }
    {
        const char *a[] = {"importance", "--storage", g.url,         "--study", EVIL,
                           "--format",   "json",      "--evaluator", "fanova",  NULL};
        hpo_assert_eq_i64(run_hpo(a, &out), 0);
        j = json_loads(out, 0, &err);
        assert_non_null(j);
        hpo_assert_eq_i64(json_object_size(j), 2);
        assert_non_null(json_object_get(j, EVIL));
        json_decref(j);
        free(out);
    }
    {
        const char *a[] = {"report", "--storage", g.url, "--study", EVIL, "-o", html, NULL};
        hpo_assert_eq_i64(run_hpo(a, NULL), 0);
        assert_int_equal(access(html, R_OK), 0);
    }
    {
        const char *bad_kind[] = {"plot", "pie", "--storage", g.url, "--study", EVIL, NULL};
        const char *no_study[] = {"plot", "history", "--storage", g.url, "--study", "nope", NULL};
        const char *bad_eval[] = {"importance", "--storage",   g.url,  "--study",
                                  EVIL,         "--evaluator", "shap", NULL};
        const char *pareto[] = {"plot", "pareto", "--storage", g.url, "--study", EVIL, NULL};
        const char *bad_port[] = {"dashboard", "--storage", g.url, "--port", "70000", NULL};
        hpo_assert_eq_i64(run_hpo(bad_kind, NULL), 2);
        hpo_assert_eq_i64(run_hpo(no_study, NULL), 1);
        hpo_assert_eq_i64(run_hpo(bad_eval, NULL), 2);
        hpo_assert_eq_i64(run_hpo(pareto, NULL), 1);
        hpo_assert_eq_i64(run_hpo(bad_port, NULL), 2);
    }
    unlink(svg);
    unlink(html);
}

/*=========================== browser ===========================*/

static void test_chromium_dump_dom(void **state)
{
    char url[256], cmd[512], *dom = NULL;
    size_t len = 0, cap = 1 << 20;
    FILE *p;
    (void)state;
    if (access(CHROMIUM, X_OK) != 0)
        skip();
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/study?name=%s", g.port, EVIL_URL);
    snprintf(cmd, sizeof(cmd),
             "timeout 90 " CHROMIUM " --headless --no-sandbox --disable-gpu --no-first-run "
             "--user-data-dir=%s/chromium --dump-dom '%s' 2>/dev/null",
             g.dir, url);
    p = popen(cmd, "r");
    assert_non_null(p);
    dom = malloc(cap + 1);
    assert_non_null(dom);
    for (size_t k; (k = fread(dom + len, 1, cap - len, p)) > 0;) {
        len += k;
        if (len == cap) {
            cap *= 2;
            dom = realloc(dom, cap + 1);
            assert_non_null(dom);
        }
    }
    dom[len] = '\0';
    pclose(p);
    /* The page as the browser built it: count, best value, a plot, no injected element. */
    assert_non_null(strstr(dom, "id=\"trial-count\">3"));
    {
        const char *bv = strstr(dom, "id=\"best-value\">");
        assert_non_null(bv);
        assert_true(bv[16] >= '0' && bv[16] <= '9');
    }
    assert_non_null(strstr(dom, "<svg"));
    assert_non_null(strstr(dom, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(dom, "<script>alert"));
    free(dom);
    snprintf(cmd, sizeof(cmd), "rm -rf %s/chromium", g.dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_study_list_escapes_names),
            cmocka_unit_test(test_study_page),
            cmocka_unit_test(test_trial_page_and_plot),
            cmocka_unit_test(test_json_endpoints),
            cmocka_unit_test(test_not_found_and_traversal),
            cmocka_unit_test(test_methods_and_oversized),
            cmocka_unit_test(test_sees_concurrent_writes),
            cmocka_unit_test(test_cli_plot_importance_report),
            cmocka_unit_test(test_chromium_dump_dom),
    };
    signal(SIGPIPE, SIG_IGN);
    setenv("CMOCKA_MESSAGE_OUTPUT", "TAP", 0);
    return _cmocka_run_group_tests("dashboard", tests, sizeof(tests) / sizeof(tests[0]), start,
                                   stop);
}
