from server.identity.controllers.admin import AdminAccountsController, EnrollmentController
from server.identity.controllers.auth import AuthController
from server.identity.controllers.devices import DevicesController
from server.identity.controllers.me import MeController
from server.identity.pages import LinkPagesController

IDENTITY_CONTROLLERS = [
    AuthController,
    MeController,
    DevicesController,
    AdminAccountsController,
    EnrollmentController,
    LinkPagesController,
]
