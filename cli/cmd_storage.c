/*
 * cmd_storage.c - `hpo storage upgrade URL`: bring an Optuna 3.0-3.1 database
 * (alembic v3.0.0.d) to v3.2.0.a in place, like `optuna storage upgrade`.
 * hpo reads and writes v3.0.0.d databases as they are; upgrading is needed only
 * so that Optuna >= 3.2 opens them.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/runner/common.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hpo storage upgrade [--storage] URL     (default $HPO_STORAGE)\n"
            "\n"
            "  upgrade   bring an Optuna 3.0/3.1 database (alembic v3.0.0.d) to v3.2.0.a;\n"
            "            a v3.2.0.a database is left as is, an empty one is initialised\n"
            "\n"
            "Exit status: 0 success, 1 error (e.g. unknown schema revision), 2 usage error.\n"
            "\n"
            "Example:\n"
            "  hpo storage upgrade sqlite:///optuna-3.1.db\n");
}

int cmd_storage(int argc, char **argv)
{
    const char *url = NULL;
    int rc;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "upgrade") != 0)
        return cli_usage_error("storage", "unknown command '%s'",
                argv[1]);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--storage") == 0 && i + 1 < argc)
            url = argv[++i];
        else if (strncmp(argv[i], "--storage=", 10) == 0)
            url = argv[i] + 10;
        else if (argv[i][0] != '-' && url == NULL)
            url = argv[i];
        else
            return cli_usage_error("storage", "unexpected argument '%s'", argv[i]);
    }
    url = cli_storage_url("storage", url);
    if (url == NULL)
        return CLI_EXIT_USAGE;
    rc = hpo_storage_upgrade(url);
    if (rc != HPO_OK)
        return cli_fail("storage", "%s", hpo_last_error());
    printf("%s: at alembic revision v3.2.0.a\n", url);
    return CLI_EXIT_OK;
}
