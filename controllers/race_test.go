//go:build race

package controllers_test

// raceEnabled: the race detector's shadow memory roughly doubles what an
// upload adds to the resident set.
const raceEnabled = true
