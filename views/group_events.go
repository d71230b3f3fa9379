package views

import "workcomm/models"

// GroupUpdated is the data of group.updated, pushed to a group's room when
// its name or description changes. It carries what every member sees alike:
// a member's unread count and the members list are not in it, so a client
// merges these fields into the group it holds.
type GroupUpdated struct {
	Group GroupSettings `json:"group"`
}

// GroupSettings are the fields of a group its owner and admins edit, with
// the group's id and owner.
type GroupSettings struct {
	ID          uint64 `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	OwnerID     uint64 `json:"ownerId"`
}

// NewGroupUpdated builds the group.updated data of a group.
func NewGroupUpdated(g *models.Group) GroupUpdated {
	return GroupUpdated{Group: GroupSettings{ID: g.ID, Name: g.Name, Description: g.Description, OwnerID: g.OwnerID}}
}
