"""Personnel master data: employees, skills and qualifications, shifts, labour rates."""
