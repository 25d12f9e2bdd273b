#pragma once
// Starting the real kindlyguard binary from end-to-end tests: fork/exec with arguments and
// environment, stdout/stderr captured to files, signals, exit status. Waits are event-driven
// (poll a condition until a deadline), never a fixed sleep.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace kindlyguard::testing {

class Process {
 public:
  // Starts `binary` with `args`; stdout and stderr go to files in `log_dir`.
  Process(const std::string& binary, const std::vector<std::string>& args, const std::string& log_dir,
          const std::map<std::string, std::string>& extra_env = {});
  ~Process();  // SIGKILL if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Waits up to `timeout` for the process to exit; its exit code, or nullopt if still running.
  // A death by signal is reported as 128 + signal.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();

  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string out_path_, err_path_;
};

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// A TCP port that was free a moment ago on 127.0.0.1 (bound, read and released).
int free_port();

std::string read_file(const std::string& path);

// CPU seconds (user and system) process `pid` has used so far; -1 when it cannot be read.
double cpu_seconds(pid_t pid);

}  // namespace kindlyguard::testing
