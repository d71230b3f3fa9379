package storage

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
)

// abortTimeout bounds the abort of a failed S3 upload, which runs on a
// fresh context: the request's own is usually what was cancelled.
const abortTimeout = 30 * time.Second

// boundedS3Upload is a gocloud BeforeWrite hook that replaces the AWS
// transfer manager's defaults for one upload: it would read the first 16 MiB
// whole before deciding on a multipart upload, keep up to six 8 MiB parts
// in flight (over 60 MiB an upload), and abort a failed upload with the
// request's context, already cancelled when the upload is abandoned (the
// parts would stay on the server). With one PartSize part sent at a time an
// upload holds at most three parts (the first read, the part being sent, the
// next being filled), 15 MiB, whatever the file's size.
func boundedS3Upload(b *blob.Bucket) func(as func(any) bool) error {
	return func(as func(any) bool) error {
		var tm *transfermanager.Client
		var client *s3.Client
		if !as(&tm) || !b.As(&client) {
			return nil // not S3
		}
		*tm = *transfermanager.New(client, func(o *transfermanager.Options) {
			o.PartSizeBytes = PartSize
			o.MultipartUploadThreshold = PartSize
			o.Concurrency = 1
			o.FailTimeout = abortTimeout
			// As gocloud does: the bucket URL's request_checksum_calculation
			// (when_required for stores that refuse the SDK's CRC32 headers).
			o.RequestChecksumCalculation = client.Options().RequestChecksumCalculation
		})
		return nil
	}
}

// abortMultipart aborts every unfinished multipart upload of key: what an
// abandoned upload whose own abort failed would leave on the server.
func abortMultipart(ctx context.Context, b *blob.Bucket, bucketName, key string) {
	var client *s3.Client
	if !b.As(&client) {
		return
	}
	out, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucketName), Prefix: aws.String(key)})
	if err != nil {
		return
	}
	for _, up := range out.Uploads {
		if aws.ToString(up.Key) != key {
			continue
		}
		_, _ = client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucketName), Key: up.Key, UploadId: up.UploadId})
	}
}

// pendingUploads counts the unfinished multipart uploads under prefix (0 on
// a file store), for tests and checks.
func (s *Store) pendingUploads(ctx context.Context, prefix string) (int, error) {
	var client *s3.Client
	if s.kind != "s3" || !s.bucket.As(&client) {
		return 0, nil
	}
	out, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(s.bucketName), Prefix: aws.String(prefix)})
	if err != nil {
		return 0, err
	}
	return len(out.Uploads), nil
}
