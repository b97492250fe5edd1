#pragma once
// The circuit breaker of one upstream: a pure state machine (time passed in, no I/O).
// Its transitions are one table, in circuit_breaker.cpp (house rule 2).
//
//   Closed   --failure, consecutive failures reach threshold--> Open
//   Open     --open_ms elapsed-------------------------------> HalfOpen
//   HalfOpen --success-------------------------------------> Closed
//   HalfOpen --failure-------------------------------------> Open
//   HalfOpen --half_open_max_ms elapsed without a verdict----> Open
//
// Closed admits every call; Open none; HalfOpen at most half_open_max_calls probes.
#include <cstdint>

namespace fasterapi::policy {

enum class BreakerState : uint8_t { Closed = 0, Open = 1, HalfOpen = 2 };
const char* breaker_state_name(BreakerState s);

struct BreakerConfig {
  int threshold = 5;             // consecutive failures that open the circuit
  int64_t open_ms = 60000;       // how long it stays open before probing
  int half_open_max_calls = 1;   // probes admitted while half-open
  int64_t half_open_max_ms = 30000;  // a half-open state with no verdict by then reopens
};

class CircuitBreaker {
 public:
  explicit CircuitBreaker(BreakerConfig config = {}) : config_(config) {}

  // May a call go now? A half-open admission takes one probe slot.
  bool try_admit(int64_t now_ms);
  void on_success(int64_t now_ms);
  void on_failure(int64_t now_ms);
  // The state at `now_ms` (time-driven transitions applied first).
  BreakerState state(int64_t now_ms);
  // While open: milliseconds until probing starts; 0 otherwise.
  int64_t retry_after_ms(int64_t now_ms);
  int consecutive_failures() const { return failures_; }
  uint64_t times_opened() const { return times_opened_; }

 private:
  enum class Event : uint8_t { Success, Failure, Tick };
  void fire(Event e, int64_t now_ms);
  void enter(BreakerState next, int64_t now_ms);

  BreakerConfig config_;
  BreakerState state_ = BreakerState::Closed;
  int failures_ = 0;         // consecutive, while closed
  int probes_ = 0;           // admitted while half-open
  int64_t since_ms_ = 0;     // when the current state was entered
  uint64_t times_opened_ = 0;
};

}  // namespace fasterapi::policy
