"""Sales: price lists, quotations and sales orders, available-to-promise, deliveries,
customer invoices, credit notes and returns."""
