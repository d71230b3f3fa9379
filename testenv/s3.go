package testenv

import (
	"testing"

	"workcomm/testenv/s3env"
)

// S3StorageURL returns the STORAGE_URL of a new, empty bucket on the test
// S3 server (s3env.S3StorageURL: skipped without weed, required under
// WORKCOMM_REQUIRE_S3=1).
func S3StorageURL(t testing.TB) string { return s3env.S3StorageURL(t) }

// StopS3 stops the test S3 server (s3env.StopS3); call it from TestMain.
func StopS3() { s3env.StopS3() }
