#include "tap.h"
int main(void) { plan_lazy(); ok(1, "placeholder"); return done_testing(); }
