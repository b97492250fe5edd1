#include "policy/circuit_breaker.hpp"

namespace fasterapi::policy {

const char* breaker_state_name(BreakerState s) {
  switch (s) {
    case BreakerState::Closed: return "closed";
    case BreakerState::Open: return "open";
    case BreakerState::HalfOpen: return "half_open";
  }
  return "?";
}

namespace {
struct Context {
  const BreakerConfig& config;
  int failures;  // after this event's own count
  int64_t in_state_ms;
};

using Guard = bool (*)(const Context&);
bool always(const Context&) { return true; }
bool threshold_reached(const Context& c) { return c.failures >= c.config.threshold; }
bool open_elapsed(const Context& c) { return c.in_state_ms >= c.config.open_ms; }
bool half_open_expired(const Context& c) { return c.in_state_ms >= c.config.half_open_max_ms; }
}  // namespace

// The whole state machine: the first row matching (state, event) whose guard holds wins.
struct Transition {
  BreakerState from;
  int event;  // CircuitBreaker::Event
  Guard guard;
  BreakerState to;
};
static constexpr int kSuccess = 0, kFailure = 1, kTick = 2;
static const Transition kTable[] = {
    {BreakerState::Closed, kFailure, threshold_reached, BreakerState::Open},
    {BreakerState::Open, kTick, open_elapsed, BreakerState::HalfOpen},
    {BreakerState::HalfOpen, kSuccess, always, BreakerState::Closed},
    {BreakerState::HalfOpen, kFailure, always, BreakerState::Open},
    {BreakerState::HalfOpen, kTick, half_open_expired, BreakerState::Open},
};

void CircuitBreaker::enter(BreakerState next, int64_t now_ms) {
  if (next == BreakerState::Open) ++times_opened_;
  state_ = next;
  since_ms_ = now_ms;
  failures_ = 0;
  probes_ = 0;
}

void CircuitBreaker::fire(Event e, int64_t now_ms) {
  if (state_ == BreakerState::Closed) {
    if (e == Event::Success) failures_ = 0;
    if (e == Event::Failure) ++failures_;
  }
  const Context ctx{config_, failures_, now_ms - since_ms_};
  for (const auto& t : kTable) {
    if (t.from == state_ && t.event == static_cast<int>(e) && t.guard(ctx)) {
      enter(t.to, now_ms);
      // A state entered by time may be left by time at once (a long gap in calls).
      if (e == Event::Tick) fire(Event::Tick, now_ms);
      return;
    }
  }
}

BreakerState CircuitBreaker::state(int64_t now_ms) {
  fire(Event::Tick, now_ms);
  return state_;
}

bool CircuitBreaker::try_admit(int64_t now_ms) {
  switch (state(now_ms)) {
    case BreakerState::Closed: return true;
    case BreakerState::Open: return false;
    case BreakerState::HalfOpen:
      if (probes_ >= config_.half_open_max_calls) return false;
      ++probes_;
      return true;
  }
  return false;
}

void CircuitBreaker::on_success(int64_t now_ms) {
  state(now_ms);
  fire(Event::Success, now_ms);
}

void CircuitBreaker::on_failure(int64_t now_ms) {
  state(now_ms);
  fire(Event::Failure, now_ms);
}

int64_t CircuitBreaker::retry_after_ms(int64_t now_ms) {
  if (state(now_ms) != BreakerState::Open) return 0;
  return config_.open_ms - (now_ms - since_ms_);
}

}  // namespace fasterapi::policy
