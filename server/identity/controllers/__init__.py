from server.identity.controllers.admin import AdminAccountsController, EnrollmentController
from server.identity.controllers.auth import AuthController
from server.identity.controllers.devices import DevicesController
from server.identity.controllers.identities import IdentitiesController
from server.identity.controllers.me import MeController
from server.identity.controllers.oidc import OidcController
from server.identity.pages import LinkPagesController

IDENTITY_CONTROLLERS = [
    AuthController,
    OidcController,
    MeController,
    IdentitiesController,
    DevicesController,
    AdminAccountsController,
    EnrollmentController,
    LinkPagesController,
]
