"""Seeds scenarios into a running moto server through boto3 and prints their ids as JSON.

    python3 seed.py ENDPOINT outage [HTTPS_PORT HTTP_PORT]
    python3 seed.py ENDPOINT many N                 # N healthy ALBs (pagination, benchmark)
    python3 seed.py ENDPOINT user NAME ACTION...    # an IAM user allowed only ACTION...; enforces IAM
    python3 seed.py ENDPOINT stacks DIR             # DIR/network.yaml + DIR/alb.yaml via CloudFormation

Used by tests/common/moto.rs and bench/live.sh. Region: ap-northeast-1.
"""

import datetime
import json
import pathlib
import sys

import boto3
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ENDPOINT = sys.argv[1]
REGION = "ap-northeast-1"
# Listener ports; the probe tests move them off 443/80 to ports free on loopback.
HTTPS_PORT, HTTP_PORT = 443, 80


def client(service):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


ec2, elbv2, acm, iam = client("ec2"), client("elbv2"), client("acm"), client("iam")
cloudformation = client("cloudformation")


def certificate(domain, *alternative_names):
    """Imports a self-signed certificate (EC P-256, valid 90 days) into ACM; returns its ARN."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(n) for n in (domain, *alternative_names)]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return acm.import_certificate(
        Certificate=cert.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )["CertificateArn"]


def tag(resource, name):
    ec2.create_tags(Resources=[resource], Tags=[{"Key": "Name", "Value": name}])


def network():
    """VPC with an attached IGW and a public route table (0.0.0.0/0 -> IGW), no subnets yet."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    tag(public, "public")
    ec2.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    return vpc, igw, public, main


def subnet(vpc, cidr, az, name, route_table=None):
    sid = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]
    tag(sid, name)
    if route_table:
        ec2.associate_route_table(RouteTableId=route_table, SubnetId=sid)
    return sid


def web_group(vpc, name):
    sg = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            for p in (HTTP_PORT, HTTPS_PORT)
        ],
    )
    return sg


def alb(name, subnets, sg, vpc, policy, cert, sni=None, waf_fail_open=False):
    """An internet-facing ALB with an HTTPS listener and an HTTP listener redirecting to it."""
    lb = elbv2.create_load_balancer(
        Name=name, Subnets=subnets, SecurityGroups=[sg], Scheme="internet-facing", Type="application"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(Name=f"{name}-tg", Protocol="HTTP", Port=80, VpcId=vpc)[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    https = elbv2.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTPS",
        Port=HTTPS_PORT,
        SslPolicy=policy,
        Certificates=[{"CertificateArn": cert}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )["Listeners"][0]["ListenerArn"]
    if sni:
        elbv2.add_listener_certificates(ListenerArn=https, Certificates=[{"CertificateArn": sni}])
    http = elbv2.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTP",
        Port=HTTP_PORT,
        DefaultActions=[
            {
                "Type": "redirect",
                "RedirectConfig": {"Protocol": "HTTPS", "Port": str(HTTPS_PORT), "StatusCode": "HTTP_301"},
            }
        ],
    )["Listeners"][0]["ListenerArn"]
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=lb,
        Attributes=[
            {"Key": "waf.fail_open.enabled", "Value": str(waf_fail_open).lower()},
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
        ],
    )
    return lb, https, http, tg


def interface(lb, subnet_id, public_ip):
    """The node AWS would create for the ALB in a subnet (moto creates none), with a public IP."""
    description = "ELB " + lb.split(":loadbalancer/")[1]
    eni = ec2.create_network_interface(SubnetId=subnet_id, Description=description)[
        "NetworkInterface"
    ]
    allocation = ec2.allocate_address(Domain="vpc", Address=public_ip)["AllocationId"]
    ec2.associate_address(AllocationId=allocation, NetworkInterfaceId=eni["NetworkInterfaceId"])
    return {"id": eni["NetworkInterfaceId"], "private_ip": eni["PrivateIpAddress"], "public_ip": public_ip}


def outage():
    vpc, igw, public, main = network()
    a = subnet(vpc, "10.0.1.0/24", "ap-northeast-1a", "public-a", public)
    b = subnet(vpc, "10.0.2.0/24", "ap-northeast-1c", "public-b")  # forgotten association
    sg = web_group(vpc, "web")
    cert = certificate("test.jp", "www.test.jp")
    sni = certificate("other.test.jp")
    lb, https, http, tg = alb(
        "outage", [a, b], sg, vpc, "ELBSecurityPolicy-2016-08", cert, sni, waf_fail_open=True
    )
    rule = elbv2.create_rule(
        ListenerArn=https,
        Priority=10,
        Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["api.test.jp"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": tg}],
    )["Rules"][0]["RuleArn"]
    eni_a = interface(lb, a, "127.0.0.2")
    eni_b = interface(lb, b, "127.0.0.3")

    c = subnet(vpc, "10.0.3.0/24", "ap-northeast-1a", "healthy-a", public)
    d = subnet(vpc, "10.0.4.0/24", "ap-northeast-1c", "healthy-d", public)
    healthy, healthy_https, healthy_http, _ = alb(
        "healthy", [c, d], sg, vpc, "ELBSecurityPolicy-TLS13-1-2-2021-06", cert
    )
    dns = {
        lb["LoadBalancerArn"]: lb["DNSName"]
        for lb in elbv2.describe_load_balancers(LoadBalancerArns=[lb, healthy])["LoadBalancers"]
    }
    return {
        "alb_dns": dns[lb], "healthy_dns": dns[healthy],
        "vpc": vpc, "igw": igw, "public_route_table": public, "main_route_table": main,
        "subnet_a": a, "subnet_b": b, "subnet_c": c, "subnet_d": d, "security_group": sg,
        "certificate": cert, "sni_certificate": sni,
        "alb": lb, "https_listener": https, "http_listener": http, "rule": rule,
        "eni_a": eni_a, "eni_b": eni_b,
        "healthy_alb": healthy, "healthy_https_listener": healthy_https,
        "healthy_http_listener": healthy_http,
    }


def many(n):
    vpc, igw, public, main = network()
    a = subnet(vpc, "10.0.1.0/24", "ap-northeast-1a", "a", public)
    b = subnet(vpc, "10.0.2.0/24", "ap-northeast-1c", "b", public)
    sg = web_group(vpc, "web")
    cert = certificate("test.jp")
    albs = [
        alb(f"alb-{i:04}", [a, b], sg, vpc, "ELBSecurityPolicy-TLS13-1-2-2021-06", cert)[0]
        for i in range(n)
    ]
    return {"vpc": vpc, "albs": albs}


def user(name, actions):
    """An IAM user allowed only `actions`, then IAM enforcement for every later request."""
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    iam.put_user_policy(UserName=name, PolicyName="audit", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}


class TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (`!Ref X`, `!Sub s`, `!GetAtt A.B`, ...)."""


def _short_tag(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


TemplateLoader.add_multi_constructor("!", _short_tag)


def stack_resources(name):
    """Logical id -> physical id of a stack's resources."""
    return {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.describe_stack_resources(StackName=name)["StackResources"]
    }


def create_stack(name, body):
    cloudformation.create_stack(StackName=name, TemplateBody=body)
    status = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    if status != "CREATE_COMPLETE":
        sys.exit(f"stack {name}: {status}")
    return stack_resources(name)


def stacks(directory):
    """The lint example's two stacks, deployed through moto's CloudFormation.

    Both bodies are sent as written, except for four gaps of moto 5's CloudFormation, adapted
    here and never in the example:
    - moto's AWS::EC2::SubnetRouteTableAssociation reports CREATE_COMPLETE but keeps the
      association in a side table that DescribeRouteTables never shows, so subnet A would look
      unassociated too. network.yaml is sent unchanged, then each such association of the
      template is made again with AssociateRouteTable on the stack's physical ids.
    - AWS::CertificateManager::Certificate has no moto model, so `!Ref Certificate` resolves to
      nothing and moto's Listener fails (KeyError 'CertificateArn'). The certificate is
      requested through the ACM API with the resource's own properties, and its ARN replaces
      the Ref.
    - DnsRecord (AWS::Route53::RecordSet): moto's RecordSet reads only HostedZoneId, not the
      template's HostedZoneName (moto answers 500, KeyError 'HostedZoneId'), and its
      LoadBalancer does not implement `!GetAtt ALB.CanonicalHostedZoneID`. It is dropped: no
      check reads DNS records.
    - moto's LoadBalancer ignores LoadBalancerAttributes, so the template's attributes are
      applied after the stack with ModifyLoadBalancerAttributes.
    - moto's CloudFormation tags the EC2 resources it creates with aws:cloudformation:stack-name
      and logical-id, as AWS does, but not the load balancer: those two tags are added to it.
    """
    directory = pathlib.Path(directory)
    body = (directory / "network.yaml").read_text()
    network = create_stack("shop-network", body)
    for resource in yaml.load(body, Loader=TemplateLoader)["Resources"].values():
        if resource["Type"] == "AWS::EC2::SubnetRouteTableAssociation":
            ids = {k: network[v["Ref"]] for k, v in resource["Properties"].items()}
            ec2.associate_route_table(RouteTableId=ids["RouteTableId"], SubnetId=ids["SubnetId"])

    template = yaml.load((directory / "alb.yaml").read_text(), Loader=TemplateLoader)
    defaults = {k: p.get("Default") for k, p in template.get("Parameters", {}).items()}
    resources = template["Resources"]

    def resolve(value):
        if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in defaults:
            return defaults[value["Ref"]]
        return value

    certificate = resources.pop("Certificate")["Properties"]
    certificate_arn = acm.request_certificate(
        DomainName=resolve(certificate["DomainName"]),
        ValidationMethod=certificate["ValidationMethod"],
    )["CertificateArn"]
    for resource in resources.values():
        for cert in resource.get("Properties", {}).get("Certificates", []):
            if cert.get("CertificateArn") == {"Ref": "Certificate"}:
                cert["CertificateArn"] = certificate_arn
    del resources["DnsRecord"]
    attributes = resources["ALB"]["Properties"].pop("LoadBalancerAttributes", [])

    alb = create_stack("shop-alb", json.dumps(template))
    elbv2.add_tags(
        ResourceArns=[alb["ALB"]],
        Tags=[
            {"Key": "aws:cloudformation:stack-name", "Value": "shop-alb"},
            {"Key": "aws:cloudformation:logical-id", "Value": "ALB"},
        ],
    )
    if attributes:
        elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=alb["ALB"],
            Attributes=[{"Key": a["Key"], "Value": str(resolve(a["Value"]))} for a in attributes],
        )
    subnets = ec2.describe_subnets(
        SubnetIds=[network["PublicSubnetA"], network["PublicSubnetB"]]
    )["Subnets"]
    arns = {s["SubnetId"]: s["SubnetArn"] for s in subnets}
    return {
        "network": network,
        "alb": alb,
        "certificate": certificate_arn,
        "subnet_a_arn": arns[network["PublicSubnetA"]],
        "subnet_b_arn": arns[network["PublicSubnetB"]],
    }


if __name__ == "__main__":
    scenario = sys.argv[2]
    if scenario == "outage":
        if len(sys.argv) > 3:
            HTTPS_PORT, HTTP_PORT = int(sys.argv[3]), int(sys.argv[4])
        out = outage()
    elif scenario == "many":
        out = many(int(sys.argv[3]))
    elif scenario == "stacks":
        out = stacks(sys.argv[3])
    elif scenario == "user":
        out = user(sys.argv[3], sys.argv[4:])
    else:
        sys.exit(f"unknown scenario {scenario}")
    print(json.dumps(out))
