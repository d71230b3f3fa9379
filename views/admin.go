package views

import (
	"encoding/json"
	"time"

	"workcomm/models"
)

// AuditEntry is one entry of the audit log. Before and After hold the fields
// the action changed, as JSON objects.
type AuditEntry struct {
	ID         uint64          `json:"id"`
	ActorID    *uint64         `json:"actorId"` // null: the create-admin command
	Action     string          `json:"action"`
	TargetType string          `json:"targetType"`
	TargetID   uint64          `json:"targetId"`
	RequestID  string          `json:"requestId"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	CreatedAt  time.Time       `json:"createdAt"`
}

// Stats answers GET /admin/stats.
type Stats struct {
	Users        int64 `json:"users"`        // live (not deleted) accounts, banned ones included
	OnlineNow    int   `json:"onlineNow"`    // users with at least one open socket on any node
	Messages24h  int64 `json:"messages24h"`  // private and group messages sent in the last 24 hours
	Groups       int64 `json:"groups"`       // live (not deleted) groups
	RevenueCents int64 `json:"revenueCents"` // sum of succeeded payments
	StorageBytes int64 `json:"storageBytes"` // what attachments take in storage, thumbnails included
}

// NewAuditList builds a page of the audit log.
func NewAuditList(page *models.AuditPage) List[AuditEntry] {
	items := make([]AuditEntry, len(page.Entries))
	for i := range page.Entries {
		e := &page.Entries[i]
		items[i] = AuditEntry{
			ID: e.ID, ActorID: e.ActorID, Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID,
			RequestID: e.RequestID, Before: json.RawMessage(e.Before), After: json.RawMessage(e.After),
			CreatedAt: e.CreatedAt.UTC(),
		}
	}
	return NewList(items, IDCursor(page.NextID))
}
