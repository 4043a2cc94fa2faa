//! `e2e`: helpers for end-to-end tests that start the real `oned` binary (and later its drivers
//! and `mm_sched`) in a temporary `ONE_LOCATION` on a free loopback port.
