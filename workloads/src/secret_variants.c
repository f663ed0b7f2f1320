/* secret_variants - the attack target with its variant switches (-f, -s, -n, -v, -k): see secret.c. */
#define SECRET_VARIANTS 1
#include "secret.c"
