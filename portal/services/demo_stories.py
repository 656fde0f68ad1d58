"""The built-in demo suggestions, in the project's own words.

The first is the 衢州 有礼租 story of seed 000 retold as a complete closed loop; the others
put one suggestion in each stage a visitor or a clerk should be able to see.
Dates are absolute for the finished story and relative to today ("days_ago") for live ones.
"""
from __future__ import annotations

YOULIZU = dict(
    key="youlizu",
    author="13800000001",
    title="为来衢求职的青年提供靠谱的短期租房房源",
    problem=("我是到衢州求职的外地青年。租房市场鱼龙混杂，刚来衢州找工作的年轻人要花大量时间和金钱，"
             "才能租到房源靠谱、价格实惠、地段合适的房子。找房难让不少同龄人打了退堂鼓，降低了留在衢州的意愿，"
             "也不利于城市吸引人才。"),
    measures=("建议政府统筹一批类似公租房、青年人才公寓的房源，面向来衢求职的青年提供短期过渡租住；"
              "在线上公布房源、预约看房、办理租赁申请和签约，减少求职青年来回奔波。"),
    category="urban-rural", district="kecheng", channel="online",
    submitted="2024-05-20T10:12:00+08:00", accepted="2024-05-24T09:30:00+08:00",
    dispatched="2024-05-27T15:00:00+08:00", lead="housing", co=["hrss"],
    reply=dict(decision="adopted", at="2024-07-15T16:20:00+08:00",
               body=("感谢您的建议。经与市人力社保局共同研究，我局采纳您的建议：依托国有租赁住房和人才公寓，"
                     "推出面向来衢求职青年的“有礼租”短期居住服务，求职青年可在线预约看房、提出租赁申请并签约入住。"
                     "服务计划于 2024 年 8 月上线，上线后我们将持续公开房源和使用情况。")),
    published="2024-08-05T09:00:00+08:00",
    conversions=[dict(
        type="public_welfare", started_on="2024-08-01",
        description=("“有礼租”小程序正式上线，为来衢求职青年提供短期居住服务：在线预约看房、提出租赁申请、签约入住，"
                     "房源覆盖城区各个区块。"),
        outcomes=[("房源", 50, "套"), ("咨询", 112, "人"), ("签约", 13, "人")],
        progress=[("2024-08-01", 40, "小程序上线，首批房源开放预约看房。"),
                  ("2024-10-15", 75, "房源扩展到城区各个区块，累计咨询 80 余人。"),
                  ("2024-12-31", 100, "城区动态提供 50 套青年短期居住房源；112 名青年咨询，13 名青年签约入住。")],
    )],
    rating=dict(level="satisfied", comment="房子很快就订到了，谢谢！"),
)

LIVE_STORIES = [
    dict(key="lift", author="13800000002", title="老旧小区加装电梯，建议简化审批、公开办事指南",
         problem="柯城区不少上世纪九十年代建成的小区没有电梯，老人上下楼困难。居民有意愿集资加装，但审批环节多、各部门要求不一，很多小区卡在第一步。",
         measures="建议出台加装电梯“一件事”联办流程，公布统一的办事指南和补助标准，由街道牵头协调居民意见。",
         category="urban-rural", district="kecheng", channel="online", days_ago=12, stage="dispatched",
         lead="housing", supporters=["13800000001"]),
    dict(key="night-bus", author="13800000001", title="建议在衢江区增设夜间公交线路",
         problem="晚上九点以后衢江区到市区基本没有公交，下夜班的工人和学生只能打车，花费不小。",
         measures="建议开通一到两条夜间公交线路，连接衢江区主要工业园区、高铁站和市区。",
         category="transport", district="qujiang", channel="online", days_ago=2, stage="submitted"),
    dict(key="school-parking", author="13800000002", title="在学校周边设置接送学生的临时停车位",
         problem="上下学高峰时段，学校门口车辆乱停乱放，既堵路又危险。",
         measures="建议在学校周边道路划设限时停车位，上下学时段开放，并安排交警和志愿者疏导。",
         category="education-culture", district="jiangshan", channel="online", days_ago=75, stage="replied",
         lead="education", decision="partly_adopted",
         reply_body="感谢您的建议。我局已会同交警部门在 6 所学校周边划设限时停车位，其余学校因道路条件限制，改为错峰放学和志愿者疏导。",
         conversion=dict(type="agency_improvement", description="6 所学校周边划设上下学限时停车位，试行错峰放学。",
                         outcomes=[("学校", 6, "所"), ("限时停车位", 120, "个")], progress=[(40, 60, "首批 6 所学校完成划线。")])),
    dict(key="noise", author="13800000001", title="邻居装修噪音太大，请有关部门管一管",
         problem="楼上邻居每天早上七点就开始装修，周末也不停。", measures="请尽快处理。",
         category="urban-rural", district="kecheng", channel="online", days_ago=20, stage="declined",
         decline="not-a-suggestion"),
    dict(key="odour", author="13800000002", title="工业园区周边异味扰民，建议加密监测并公开数据",
         problem="龙游县某工业园区附近的居民反映，夜间经常闻到刺鼻气味，担心影响健康。",
         measures="建议在园区周边增设空气质量自动监测点，实时公开监测数据，并对排放企业开展夜间执法检查。",
         category="environment", district="longyou", channel="online", days_ago=90, stage="in_review",
         lead="environment", decision="for_reference",
         reply_body="感谢您的建议。园区现有监测数据达标，您提出的加密监测建议我局留作参考，将在明年监测网络规划中统筹考虑。",
         rating=dict(level="dissatisfied", comment="夜间异味仍然存在，答复没有回应夜间执法检查的建议。")),
    dict(key="night-clinic", author="13800000001", title="社区卫生服务中心开设夜间门诊",
         problem="上班族白天没时间看小病，晚上只能去大医院急诊排队。",
         measures="建议部分社区卫生服务中心开设夜间门诊，至晚上九点。",
         category="health", district="changshan", channel="online", days_ago=6, stage="needs_info",
         info_request="请补充您所在的社区，以及希望开设夜间门诊的具体时间段。"),
    dict(key="pension-home", author=None, contact=("赵桂兰", "13900001234"), title="建议为行动不便的老人提供养老金资格认证上门服务",
         problem="我母亲八十多岁，行动不便，每年养老金资格认证都要到社保窗口或用手机刷脸，很不方便。",
         measures="建议社区网格员或社保经办人员为行动不便的老人提供上门认证服务。",
         category="labour-social-security", district="kaihua", channel="phone", days_ago=9, stage="dispatched",
         lead="hrss"),
]

THEMED_CALL = dict(
    key="old-estates", department="housing", title="老旧小区改造，听听您的意见",
    description="2027 年我市计划改造 30 个老旧小区。请就加装电梯、停车、绿化、适老化改造等提出您的建议。",
    opens_days_ago=5, open_days=30,
    suggestion=dict(key="estate-parking", author="13800000002", title="老旧小区改造时统筹解决停车难",
                    problem="老旧小区车位少，车辆占用消防通道的情况很普遍。",
                    measures="改造时利用边角地增设停车位，并与周边单位协商错时共享停车。",
                    category="urban-rural", district="kecheng", channel="online", days_ago=3, stage="accepted"),
)
