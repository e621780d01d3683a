/*
 * cmd_dashboard.c - `hpo dashboard`: serve a storage's studies read-only over
 * HTTP (cli/dashboard/) until SIGINT or SIGTERM.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/dashboard/dashboard.h"
#include "cli/runner/common.h"
#include "cli/viz_cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hpo dashboard --storage URL [--port 8080] [--host 127.0.0.1]\n"
            "\n"
            "Serve a read-only dashboard of every study in the storage: the study list, a\n"
            "page per study with its plots and trial table (refreshing while trials run),\n"
            "a page per trial, and the same data as JSON under /api/. It only reads, so\n"
            "it can watch a study that 'hpo run' is writing.\n"
            "\n"
            "options (also --name=value):\n"
            "  --storage URL   storage to show (default $HPO_STORAGE)\n"
            "  --port N        TCP port (default 8080; 0 picks a free one)\n"
            "  --host ADDR     numeric address to bind (default 127.0.0.1, loopback only;\n"
            "                  0.0.0.0 exposes it to the network, without authentication)\n"
            "Exit status: 0 after SIGINT/SIGTERM, 1 error, 2 usage error.\n"
            "\n"
            "Example:\n"
            "  hpo dashboard --storage sqlite:///hpo.db   # then open http://127.0.0.1:8080/\n");
}

int cmd_dashboard(int argc, char **argv)
{
    static const char *cmd = "dashboard";
    const char *storage_url = NULL, *host = "127.0.0.1";
    unsigned long long port = 8080;
    dash_config cfg;
    dash *d = NULL;
    char err[512];
    sigset_t set;
    int sig = 0, rc = CLI_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m;
        if (cli_opt_flag(argv[i], "--help", "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((m = cli_opt_value(cmd, argc, argv, &i, "--storage", NULL, &v)) != 0)
            storage_url = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--host", NULL, &v)) != 0)
            host = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--port", "-p", &v)) != 0)
            rc = m > 0 ? viz_cli_size(cmd, "--port", v, 65535, &port) : 0;
        else
            return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
        if (m < 0)
            return CLI_EXIT_USAGE;
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if ((cfg.storage_url = cli_storage_url(cmd, storage_url)) == NULL)
        return CLI_EXIT_USAGE;
    cfg.host = host;
    cfg.port = (unsigned)port;
    /* Signals are taken here by sigwait; the server threads inherit the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (dash_start(&d, &cfg, err, sizeof(err)) != 0)
        return cli_fail(cmd, "%s", err);
    printf("hpo dashboard: serving %s on http://%s%s%s:%u/ (Ctrl-C to stop)\n", cfg.storage_url,
           strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", dash_port(d));
    fflush(stdout);
    sigwait(&set, &sig);
    dash_stop(d);
    return CLI_EXIT_OK;
}
