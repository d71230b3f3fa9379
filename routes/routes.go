// Package routes builds WorkComm's HTTP API as one tree. New is what main and
// the tests both use, so tests drive exactly the router that runs.
package routes

import (
	"log/slog"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"workcomm/configs"
	"workcomm/controllers"
	"workcomm/middlewares"
	"workcomm/services"
	"workcomm/sockets"
)

// maxBodyBytes is the contract's 1 MiB body limit of the API (Stripe's
// webhook has its own, in payments.go).
const maxBodyBytes = 1 << 20

// Deps is what the router needs.
type Deps struct {
	Config   *configs.Config
	Services *services.Services
	Sockets  *sockets.Server
	Health   *controllers.HealthController
	Registry *prometheus.Registry
	Log      *slog.Logger
}

// New builds the engine: global middlewares, the operational endpoints at the
// root, and the API under /api/v1.
func New(d Deps) (*gin.Engine, error) {
	cfg := d.Config
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	// The client IP comes from the socket, or from X-Forwarded-For when (and
	// only when) the socket is a configured trusted proxy.
	r.ForwardedByClientIP = true
	r.RemoteIPHeaders = []string{"X-Forwarded-For", "X-Real-IP"}
	if err := r.SetTrustedProxies(cfg.TrustedProxyStrings()); err != nil {
		return nil, err
	}

	metrics := middlewares.NewHTTPMetrics(d.Registry)
	r.Use(
		middlewares.RequestIDs(),
		middlewares.AccessLog(d.Log),
		middlewares.Recovery(d.Log),
		metrics.Middleware(),
		middlewares.Errors(d.Log),
		middlewares.SecurityHeaders(),
		// CORS at the engine, not on /api/v1: a preflight OPTIONS matches no
		// route and would otherwise never reach it. It answers only for the
		// configured origins.
		middlewares.CORS(cfg.AllowedOrigins),
	)
	// Unknown paths: the built frontend when STATIC_DIR is set (deep links get
	// index.html), else the contract's 404.
	r.NoRoute((&controllers.SPA{Dir: cfg.StaticDir, NotFound: middlewares.NotFound()}).Serve)
	r.NoMethod(middlewares.MethodNotAllowed())

	r.GET("/healthz", d.Health.Healthz)
	r.GET("/readyz", d.Health.Readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{})))
	socketRoutes(r, d)

	api := r.Group("/api/v1", middlewares.BodyLimit(maxBodyBytes), middlewares.Deadline(cfg.RequestTimeout))
	api.GET("/openapi.json", d.Health.OpenAPIDoc)
	authed := api.Group("", middlewares.Authenticated(d.Services.Auth), middlewares.RateLimitWrites(d.Services.Limits.Writes))

	authRoutes(api, d)
	accountRoutes(r, api, authed, d)
	userRoutes(authed, d)
	friendRoutes(authed, d)
	paymentRoutes(api, authed, d)
	chatRoutes(authed, d)
	attachmentRoutes(r, authed, d)
	reactionRoutes(authed, d)
	adminRoutes(authed.Group("/admin", middlewares.AdminOnly()), d)
	return r, nil
}

func authRoutes(api *gin.RouterGroup, d Deps) {
	a := &controllers.AuthController{Auth: d.Services.Auth, RefreshTTL: d.Config.RefreshTokenTTL, SecureCookies: d.Config.Production()}
	g := api.Group("/auth")
	g.POST("/register", a.Register)
	g.POST("/login", a.Login)
	g.POST("/login/2fa", a.LoginTwoFactor)
	g.POST("/refresh", a.Refresh)
	g.POST("/logout", a.Logout)
}

func userRoutes(authed *gin.RouterGroup, d Deps) {
	u := &controllers.UsersController{Users: d.Services.Users}
	g := authed.Group("/users")
	g.GET("/me", u.GetMe)
	g.PATCH("/me", u.UpdateMe)
	g.GET("", u.SearchUsers)
	g.GET("/:id", u.GetUser)
}

func friendRoutes(authed *gin.RouterGroup, d Deps) {
	f := &controllers.FriendsController{Friends: d.Services.Friends}
	g := authed.Group("/friends")
	g.GET("", f.ListFriends)
	g.GET("/requests", f.ListFriendRequests)
	g.POST("/requests", f.SendFriendRequest)
	g.POST("/requests/:id/accept", f.AcceptFriendRequest)
	g.POST("/requests/:id/decline", f.DeclineFriendRequest)
	g.DELETE("/:userId", f.RemoveFriend)
}
