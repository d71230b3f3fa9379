package routes

import (
	"time"

	"github.com/gin-gonic/gin"

	"workcomm/controllers"
	"workcomm/middlewares"
	"workcomm/models"
	"workcomm/services"
)

// uploadReadTime is how long an upload's body may take to arrive: 100 MiB
// at 1 Mbit/s is about 14 minutes.
const uploadReadTime = 30 * time.Minute

// attachmentRoutes are the file routes. The upload is outside /api/v1's
// 1 MiB body limit and request deadline (its own limit is the user's plan);
// the download is public, its signed link being the credential (an <img>
// sends no Authorization header).
func attachmentRoutes(r *gin.Engine, authed *gin.RouterGroup, d Deps) {
	h := &controllers.AttachmentsController{Attachments: d.Services.Attachments}
	now := d.Services.Core
	r.POST("/api/v1/attachments",
		middlewares.Authenticated(d.Services.Auth), middlewares.RateLimitWrites(d.Services.Limits.Writes),
		middlewares.UploadBody(func(u *models.User) int64 { return services.UploadLimitsFor(u, now.Clock()).File }, uploadReadTime),
		h.Upload)
	authed.GET("/attachments/:id", h.Get)
	r.GET("/api/v1/attachments/:id/:variant", middlewares.Deadline(d.Config.RequestTimeout), h.Download)
}

// reactionRoutes are the emoji routes of both kinds of message.
func reactionRoutes(authed *gin.RouterGroup, d Deps) {
	for kind, prefix := range map[string]string{models.ConvPrivate: "/chat/private", models.ConvGroup: "/chat/groups"} {
		h := &controllers.ReactionsController{Reactions: d.Services.Reactions, Kind: kind}
		authed.GET(prefix+"/messages/:id/reactions", h.Who)
		authed.PUT(prefix+"/messages/:id/reactions/:emoji", h.Add)
		authed.DELETE(prefix+"/messages/:id/reactions/:emoji", h.Remove)
	}
}
