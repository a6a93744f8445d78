// Package bench is the load generator behind cmd/timbench: it prepares a data set through
// timd's REST API, drives a server with a fixed concurrency (closed loop) or a fixed rate
// (open loop, latency from the scheduled time), records latencies and error codes, reads
// the server's CPU time and memory from /proc, and reports every phase as a ratio to a
// bare net/http ceiling measured in the same run.
//
// Every address it is given must be a loopback address (CheckLoopbackURL and friends):
// it is a tool for one machine.
package bench
