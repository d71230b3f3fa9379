package routes

import (
	"github.com/gin-gonic/gin"

	"workcomm/controllers"
	"workcomm/models"
)

// chatRoutes are the REST routes of private and group chat, mentions and
// message search.
func chatRoutes(authed *gin.RouterGroup, d Deps) {
	private := &controllers.ChatController{Chat: d.Services.Chat, Kind: models.ConvPrivate, Param: "userId"}
	p := authed.Group("/chat/private")
	p.GET("", private.ListPrivateConversations)
	p.GET("/:userId/messages", private.ListHistory)
	p.POST("/:userId/messages", private.SendMessage)
	p.POST("/:userId/read", private.MarkRead)
	p.PATCH("/:userId/settings", private.UpdateSettings)
	p.PATCH("/messages/:id", private.EditMessage)
	p.DELETE("/messages/:id", private.DeleteMessage)

	groups := &controllers.GroupsController{Groups: d.Services.Groups}
	group := &controllers.ChatController{Chat: d.Services.Chat, Kind: models.ConvGroup, Param: "id"}
	g := authed.Group("/chat/groups")
	g.POST("", groups.CreateGroup)
	g.GET("", groups.ListGroups)
	g.GET("/:id", groups.GetGroup)
	g.PATCH("/:id", groups.UpdateGroup)
	g.DELETE("/:id", groups.DeleteGroup)
	g.POST("/:id/members", groups.AddMember)
	g.PATCH("/:id/members/:userId", groups.UpdateMember)
	g.DELETE("/:id/members/:userId", groups.RemoveMember)
	g.GET("/:id/messages", group.ListHistory)
	g.POST("/:id/messages", group.SendMessage)
	g.POST("/:id/read", group.MarkRead)
	g.PATCH("/:id/settings", group.UpdateSettings)
	g.GET("/:id/messages/:seq/readers", group.ListReaders)
	g.PATCH("/messages/:id", group.EditMessage)
	g.DELETE("/messages/:id", group.DeleteMessage)

	// Mentions span both kinds of conversation.
	mentions := &controllers.ChatController{Chat: d.Services.Chat}
	authed.GET("/mentions", mentions.ListMentions)

	find := &controllers.SearchController{Search: d.Services.Search}
	authed.GET("/search/messages", find.SearchMessages)
}

// socketRoutes are the WebSocket endpoints, at the root (outside /api/v1, its
// CORS and its body limit: a socket's frames have their own limit).
func socketRoutes(r *gin.Engine, d Deps) {
	r.GET("/ws/private", d.Sockets.PrivateSocket)
	r.GET("/ws/group", d.Sockets.GroupSocket)
}
