//go:build race

package storage

// raceEnabled: the race detector shadows every allocation, which roughly
// doubles what an upload adds to the resident memory.
const raceEnabled = true
