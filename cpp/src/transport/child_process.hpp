#pragma once
// Starting and stopping stdio upstreams. Each child leads its own process group, so a
// signal reaches any grandchildren it forked too, and nothing it leaves behind outlives
// the proxy's stop sequence.
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fasterapi::transport {

struct SpawnSpec {
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // added to (or overriding) the proxy's environment
  std::string cwd;
};

struct ChildProcess {
  pid_t pid = -1;
  int stdin_fd = -1;   // we write requests here
  int stdout_fd = -1;  // we read responses here
  int stderr_fd = -1;  // drained and logged
  int pidfd = -1;      // readable once the child has exited (Linux pidfd_open)
  ino_t stdin_pipe = 0;  // the stdin pipe's inode: its holders are found after our end is closed
};

// Returns false and sets `error` (errno text) when the process could not be started.
bool spawn_child(const SpawnSpec& spec, ChildProcess& out, std::string& error);

// Sends a signal to the child's whole process group.
void signal_group(pid_t pid, int sig);

// Kills every other process holding an end of the pipe behind `fd` (found through
// /proc/*/fd). Used once an upstream has exited but descendants that left its process
// group (setsid) still hold its output pipes. Returns how many were signalled.
int kill_pipe_holders(int fd);
// The same for a pipe known by its inode.
int kill_pipe_holders_by_inode(ino_t inode);

// False when nothing holds the read end of the pipe whose write end is `write_fd` (poll
// reports POLLERR), so a search of /proc can be skipped.
bool pipe_has_readers(int write_fd);

// Reaps the child if it has exited. Returns true and sets the outcome once reaped.
bool try_reap(pid_t pid, int& exit_code, int& term_signal);

}  // namespace fasterapi::transport
