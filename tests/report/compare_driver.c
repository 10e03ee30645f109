/* allocbench compare without the CLI: `compare_driver A B [options]`. */
#include "compare.h"

int main(int argc, char **argv)
{
    argv[0] = "compare";
    return ab_compare_main(argc, argv);
}
