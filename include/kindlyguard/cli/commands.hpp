#pragma once
// The subcommands of the one binary. Each returns the process exit code.

namespace kindlyguard::cli {

int run(int argc, char** argv);  // dispatches on argv[1]

int serve_command(int argc, char** argv);
int check_command(int argc, char** argv);
int test_command(int argc, char** argv);
int health_command(int argc, char** argv);
int certs_command(int argc, char** argv);
int version_command(int argc, char** argv);
int uninstall_cleanup_command(int argc, char** argv);

}  // namespace kindlyguard::cli
