//go:build !race

package controllers_test

const raceEnabled = false
