"""Fee payments: the providers that confirm a payment reference (cash at the desk, an
online payment gateway, a development stand-in), and the table of recorded payments.
server.desk.actions records a payment through them (the `record_payment` action)."""
