#include "kindlyguard/cli/app.hpp"

int main(int argc, char** argv) { return kindlyguard::cli::run(argc, argv); }
