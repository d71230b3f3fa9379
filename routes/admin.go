package routes

import (
	"github.com/gin-gonic/gin"

	"workcomm/controllers"
)

// adminRoutes mounts /admin on a group that already requires an admin
// (middlewares.Authenticated then middlewares.AdminOnly). The audit log is
// read-only: it has no PATCH or DELETE route, by design.
func adminRoutes(admin *gin.RouterGroup, d Deps) {
	a := &controllers.AdminController{Admin: d.Services.Admin}
	admin.GET("/users", a.ListUsers)
	admin.PATCH("/users/:id", a.UpdateUser)
	admin.DELETE("/users/:id", a.DeleteUser)
	admin.GET("/payments", a.ListPayments)
	admin.GET("/stats", a.GetStats)
	admin.GET("/audit", a.ListAudit)
}
