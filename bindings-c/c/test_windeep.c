/*
 * The C ABI from C: every export, every status, and many calls with every string freed, so
 * that valgrind (memcheck) can prove nothing leaks. Built and run by bindings-c/test.sh.
 * Prints "N passed, N failed" and exits non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "windeep.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond, what)                                                       \
    do {                                                                        \
        if (cond) {                                                             \
            passed++;                                                           \
        } else {                                                                \
            failed++;                                                           \
            fprintf(stderr, "FAILED: %s (%s:%d)\n", what, __FILE__, __LINE__);  \
        }                                                                       \
    } while (0)

static const char *SCHEDULE =
    "{\"principal\": \"100000\", \"annual_rate\": \"12\", \"tenure\": 12,"
    " \"disbursed_on\": \"2026-01-05\", \"first_due_on\": \"2026-02-05\"}";

/* Runs one call, checks its status and that the output contains `needle`, frees it. */
static void expect(const char *op, const char *input, int32_t status, const char *needle,
                   const char *what) {
    char *out = NULL;
    int32_t got = windeep_call(op, input, &out);
    CHECK(got == status, what);
    CHECK(out != NULL && strstr(out, needle) != NULL, what);
    if (got != status || out == NULL || strstr(out, needle) == NULL) {
        fprintf(stderr, "  status %d, output %s\n", got, out ? out : "(null)");
    }
    windeep_free(out);
}

int main(int argc, char **argv) {
    int panic_probe = argc > 1 && strcmp(argv[1], "--panic-probe") == 0;

    expect("schedule", SCHEDULE, WINDEEP_STATUS_OK, "\"emi\":\"8884.88\"",
           "legacy-spec 12.1: EMI 8,884.88");
    expect("schedule", SCHEDULE, WINDEEP_STATUS_OK, "\"interest\":\"6618.53\"",
           "legacy-spec 12.1: interest is the row sum 6,618.53");
    expect("schedule", "{\"principal\": 100000}", WINDEEP_STATUS_REFUSED, "\"code\":\"E_",
           "a JSON number for money is refused with a core code");
    expect("schedule", "not json", WINDEEP_STATUS_REFUSED, "E_INVALID_INPUT",
           "text that is not JSON is E_INVALID_INPUT");
    expect("no_such_operation", "{}", WINDEEP_STATUS_REFUSED, "E_UNKNOWN_OPERATION",
           "an unknown operation");
    expect(NULL, "{}", WINDEEP_STATUS_INVALID_ARGUMENT, "E_INVALID_ARGUMENT",
           "a NULL operation");
    expect("schedule", NULL, WINDEEP_STATUS_INVALID_ARGUMENT, "E_INVALID_ARGUMENT",
           "a NULL input");
    expect("schedule", "\"\xff\xfe\"", WINDEEP_STATUS_INVALID_ARGUMENT, "not UTF-8",
           "input that is not UTF-8");
    CHECK(windeep_call("schedule", SCHEDULE, NULL) == WINDEEP_STATUS_INVALID_ARGUMENT,
          "a NULL output pointer");
    windeep_free(NULL);

    const char *ops = windeep_operations();
    CHECK(ops != NULL && ops[0] == '[' && strstr(ops, "\"schedule\"") != NULL,
          "windeep_operations lists schedule");
    CHECK(ops == windeep_operations(), "windeep_operations is one static string");
    const char *version = windeep_version();
    CHECK(version != NULL && strlen(version) > 0 && strchr(version, '.') != NULL,
          "windeep_version");
    const char *schema_version = windeep_schema_version();
    CHECK(schema_version != NULL && strchr(schema_version, '.') != NULL,
          "windeep_schema_version");
    CHECK(schema_version == windeep_schema_version(), "windeep_schema_version is static");

    if (panic_probe) {
        expect("__windeep_panic_probe", "{}", WINDEEP_STATUS_PANIC, "E_INTERNAL",
               "a panic becomes status 99");
        expect("schedule", SCHEDULE, WINDEEP_STATUS_OK, "8884.88",
               "the library works after a panic");
    }

    /* Many calls, each output freed: valgrind reports any leak. */
    int ok = 1;
    for (int i = 0; i < 500; i++) {
        char *out = NULL;
        int32_t s = windeep_call(i % 2 ? "schedule" : "allocate", i % 2 ? SCHEDULE : "{}", &out);
        ok = ok && out != NULL && (s == WINDEEP_STATUS_OK || s == WINDEEP_STATUS_REFUSED);
        windeep_free(out);
    }
    CHECK(ok, "500 calls, each output freed");

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
