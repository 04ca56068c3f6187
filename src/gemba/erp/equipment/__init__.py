"""The ISA-95 role-based equipment hierarchy and its calendars (plant structure master data).

ERP owns this master data and sends it to the MES as ISA-95 Equipment reference data.
"""
