"""Versioned ISA-95 messages exchanged by the ERP and the MES (and, as B2MML, with foreign
systems). Depends only on gemba.core and Pydantic."""

from gemba.contracts.isa95.header import SCHEMA_VERSION, MessageHeader
from gemba.contracts.isa95.material import MaterialLot, MaterialLotInformation
from gemba.contracts.isa95.performance import (
    EquipmentActual,
    MaterialActual,
    PersonnelActual,
    ProductionPerformance,
    ProductionResponse,
    SegmentResponse,
)
from gemba.contracts.isa95.personnel import Person, PersonnelInformation, PersonQualification
from gemba.contracts.isa95.schedule import (
    MaterialRequirement,
    PersonnelRequirement,
    ProductionRequest,
    ProductionSchedule,
    SegmentRequirement,
)
from gemba.contracts.isa95.status import ProductionStatus
from gemba.contracts.isa95.topics import (
    MATERIAL_LOT_INFORMATION,
    PERSONNEL_INFORMATION,
    PRODUCTION_PERFORMANCE,
    PRODUCTION_SCHEDULE,
    PRODUCTION_STATUS,
    TOPIC_OF,
    from_payload,
    to_payload,
)

__all__ = [
    "MATERIAL_LOT_INFORMATION",
    "PERSONNEL_INFORMATION",
    "MaterialLot",
    "MaterialLotInformation",
    "Person",
    "PersonQualification",
    "PersonnelInformation",
    "PersonnelRequirement",
    "PRODUCTION_PERFORMANCE",
    "PRODUCTION_SCHEDULE",
    "PRODUCTION_STATUS",
    "SCHEMA_VERSION",
    "TOPIC_OF",
    "EquipmentActual",
    "MaterialActual",
    "MaterialRequirement",
    "MessageHeader",
    "PersonnelActual",
    "ProductionPerformance",
    "ProductionRequest",
    "ProductionResponse",
    "ProductionSchedule",
    "ProductionStatus",
    "SegmentRequirement",
    "SegmentResponse",
    "from_payload",
    "to_payload",
]
