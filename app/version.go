package app

// Version is the software version, set at build time by the Makefile.
var Version = "dev"
