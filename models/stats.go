package models

import (
	"context"

	"gorm.io/gorm"
)

// CountLiveUsers counts accounts that are not deleted (banned ones included).
func CountLiveUsers(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

// CountActiveAdmins counts live, unbanned admins other than excludeID (0: none
// excluded): the administrators who would remain if excludeID lost the role.
func CountActiveAdmins(ctx context.Context, db *gorm.DB, excludeID uint64) (int64, error) {
	var n int64
	q := db.WithContext(ctx).Model(&User{}).Where("role = ? AND banned = ?", RoleAdmin, false)
	if excludeID > 0 {
		q = q.Where("id <> ?", excludeID)
	}
	err := q.Count(&n).Error
	return n, err
}
