// A shared library with neither plugin entry point.
extern "C" int kilnTestNotAPlugin() { return 0; }
